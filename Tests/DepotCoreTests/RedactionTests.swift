import DepotCore
import Testing

@Suite struct RedactionTests {
    @Test(arguments: [
        ("https://depot.example/t/dpt_secret/api/repo/main", "https://depot.example/t/***/api/repo/main"),
        ("https://user:pa55@host.example/simple/", "https://user:***@host.example/simple/"),
        ("https://tokenonly@host.example/x", "https://***@host.example/x"),
        ("http://host/t/a/b/t/c/d", "http://host/t/***/b/t/***/d"),
        ("http://host/plain/path", "http://host/plain/path"),
        ("/t/dpt_x/api/repo/c/noarch/repodata.json", "/t/***/api/repo/c/noarch/repodata.json"),
    ])
    func redacts(input: String, expected: String) {
        #expect(Redaction.url(input) == expected)
    }
}
