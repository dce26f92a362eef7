import DepotCore
import Testing

@Suite struct ByteFormatTests {
    @Test(arguments: [(0, "0 B"), (999, "999 B"), (5_500, "5.5 KB"), (11_000_000, "11.0 MB"), (2_100_000_000, "2.1 GB")] as [(Int64, String)])
    func formats(bytes: Int64, text: String) {
        #expect(ByteFormat.string(bytes) == text)
    }
}
