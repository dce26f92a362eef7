import DepotCore
import Testing

@Suite struct VersionOrderTests {
    /// Each list is in ascending order.
    @Test(arguments: [
        ["0.4", "0.4.1", "0.5a1", "0.5b3", "0.5c1", "0.5", "0.9.6", "0.960923", "1.0", "1.1dev1", "1.1a1", "1.1.0dev1", "1.1.a1", "1.1.0rc1", "1.1.0", "1.1.0post1", "1.1post1", "1996.07.12", "1!0.4.1", "1!3.1.1.6", "2!0.4.1"],
        ["1.10", "1.11"],
        ["2.9", "2.10"],
    ])
    func ascending(_ versions: [String]) {
        for (a, b) in zip(versions, versions.dropFirst()) {
            #expect(VersionOrder.isLess(a, b), "\(a) < \(b)")
            #expect(!VersionOrder.isLess(b, a), "not \(b) < \(a)")
        }
    }

    @Test func trailingZerosAreEqual() {
        #expect(!VersionOrder.isLess("1.0", "1.0.0"))
        #expect(!VersionOrder.isLess("1.0.0", "1.0"))
        #expect(VersionOrder.isLess("1.0+a", "1.0+b"))
    }
}
