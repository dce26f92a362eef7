/// A channel's full name: `parent` or `parent/child` for a subchannel (one level only).
public struct ChannelPath: Sendable, Hashable, CustomStringConvertible {
    public let parent: String
    public let child: String?

    public init(parent: String, child: String? = nil) {
        self.parent = parent
        self.child = child
    }

    /// Parses `name` or `parent/child`; nil when the text cannot be a channel's full name.
    public init?(fullName: String) {
        let parts = fullName.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count),
              parts.allSatisfy({ NameRules.checkSlug($0, what: "channel") == nil })
        else { return nil }
        self.init(parent: parts[0], child: parts.count == 2 ? parts[1] : nil)
    }

    public var isSubchannel: Bool { child != nil }
    public var fullName: String { child.map { "\(parent)/\($0)" } ?? parent }
    public var description: String { fullName }

    /// The permission category that governs this channel itself.
    public var category: PermissionCategory { isSubchannel ? .subchannels : .channels }
    /// The permission category that governs this channel's mirrors.
    public var mirrorCategory: PermissionCategory { isSubchannel ? .subchannelMirrors : .channelMirrors }
}
