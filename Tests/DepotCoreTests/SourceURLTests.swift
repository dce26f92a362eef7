import DepotCore
import Testing

@Suite struct SourceURLTests {
    @Test func acceptsHTTPURLsAndDropsTheTrailingSlash() throws {
        #expect(try SourceURL(validating: " https://conda.example.org/main/ ").value == "https://conda.example.org/main")
        #expect(try SourceURL(validating: "http://127.0.0.1:8080/api/repo/c").value == "http://127.0.0.1:8080/api/repo/c")
    }

    @Test func keepsTokensButNeverShowsThem() throws {
        let url = try SourceURL(validating: "https://depot.example/t/dpt_secret/api/repo/main")
        #expect(url.value.contains("dpt_secret"))
        #expect(url.redacted == "https://depot.example/t/***/api/repo/main")
        #expect("\(url)" == url.redacted)
    }

    @Test(arguments: [
        ("", SourceURLError.empty),
        ("ftp://x.example/c", .scheme("ftp")),
        ("file:///etc/passwd", .scheme("file")),
        ("https:///nohost", .noHost),
        ("https://x.example/c#frag", .fragment),
        ("https://x.example/c?q=1", .query),
        ("https://x.example/a b", .invalidCharacters),
        ("not a url", .invalidCharacters),
        ("example.org/c", .notAURL),
    ])
    func refusesWithAMessage(input: String, error: SourceURLError) {
        #expect(throws: error) { try SourceURL(validating: input) }
        #expect(!error.message.isEmpty)
    }
}
