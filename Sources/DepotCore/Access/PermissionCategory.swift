/// The areas of an organisation a role grants access to.
public enum PermissionCategory: String, CaseIterable, Sendable, Codable, Hashable {
    case channels
    case subchannels
    case channelMirrors = "channel_mirrors"
    case subchannelMirrors = "subchannel_mirrors"
    case policies
    case members
    case auditLog = "audit_log"

    public var title: String {
        switch self {
        case .channels: "Channels"
        case .subchannels: "Subchannels"
        case .channelMirrors: "Channel Mirrors"
        case .subchannelMirrors: "Subchannel Mirrors"
        case .policies: "Policies"
        case .members: "Members"
        case .auditLog: "Audit Log"
        }
    }
}
