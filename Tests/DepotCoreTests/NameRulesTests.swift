import DepotCore
import Testing

@Suite struct NameRulesTests {
    @Test(arguments: ["main", "conda-forge", "r_pkgs", "v1.2", "0day", String(repeating: "a", count: 64)])
    func acceptsValidNames(name: String) {
        #expect(NameRules.checkSlug(name, what: "channel") == nil)
    }

    @Test(arguments: [
        ("", "Enter a channel name."),
        ("Main", "A channel name starts with a lowercase letter or a digit."),
        ("-x", "A channel name starts with a lowercase letter or a digit."),
        (".hidden", "A channel name starts with a lowercase letter or a digit."),
        ("a b", "A channel name may contain only lowercase letters, digits, “-”, “_” and “.”; it contains a space."),
        ("a/b", "A channel name may contain only lowercase letters, digits, “-”, “_” and “.”; it contains “/”."),
        ("aB", "A channel name may contain only lowercase letters, digits, “-”, “_” and “.”; it contains “B”."),
        ("ünï", "A channel name starts with a lowercase letter or a digit."),
        ("end.", "A channel name cannot end with “.”."),
        (String(repeating: "a", count: 65), "A channel name has at most 64 characters."),
    ])
    func refusesInvalidNames(name: String, message: String) {
        #expect(NameRules.checkSlug(name, what: "channel") == message)
    }

    @Test func channelPaths() {
        #expect(ChannelPath(fullName: "main") == ChannelPath(parent: "main"))
        let sub = ChannelPath(fullName: "main/dev")
        #expect(sub?.child == "dev")
        #expect(sub?.category == .subchannels)
        #expect(sub?.mirrorCategory == .subchannelMirrors)
        #expect(ChannelPath(fullName: "main")?.category == .channels)
        #expect(ChannelPath(fullName: "a/b/c") == nil)
        #expect(ChannelPath(fullName: "a/..") == nil)
        #expect(ChannelPath(fullName: "a/") == nil)
    }

    @Test func roleNames() {
        #expect(NameRules.checkRoleName("Release Manager") == nil)
        #expect(NameRules.checkRoleName("   ") == "Enter a role name.")
        #expect(NameRules.checkRoleName(String(repeating: "x", count: 41)) == "A role name has at most 40 characters.")
    }
}
