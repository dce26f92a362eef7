import DepotCore
import Testing

@Suite struct ClientSnippetsTests {
    @Test func publicChannel() {
        let s = ClientSnippets(baseURL: "https://depot.example.org/", channel: ChannelPath(parent: "main"), isPrivate: false)
        #expect(s.condaURL == "https://depot.example.org/api/repo/main")
        #expect(s.condarc == "channels:\n  - https://depot.example.org/api/repo/main")
        #expect(s.pipConf == "[global]\nindex-url = https://depot.example.org/api/repo/main/simple/")
        #expect(s.rProfile == "options(repos = c(depot = \"https://depot.example.org/api/repo/main/cran\"))")
    }

    @Test func privateSubchannelUsesTheTokenForm() {
        let s = ClientSnippets(baseURL: "http://h:8080", channel: ChannelPath(parent: "main", child: "dev"), isPrivate: true)
        #expect(s.condaURL == "http://h:8080/t/<TOKEN>/api/repo/main/dev")
        #expect(s.simpleURL == "http://h:8080/t/<TOKEN>/api/repo/main/dev/simple/")
        #expect(s.pipCommand == "pip install --index-url http://h:8080/t/<TOKEN>/api/repo/main/dev/simple/ PACKAGE")
    }
}
