/// The roles every organisation has. Organisations may add their own (custom roles).
public enum BuiltInRole: String, CaseIterable, Sendable {
    case owner
    case mirrorManager = "mirror-manager"
    case contributor
    case viewer

    public var title: String {
        switch self {
        case .owner: "Owner"
        case .mirrorManager: "Mirror Manager"
        case .contributor: "Contributor"
        case .viewer: "Viewer"
        }
    }

    public var grants: RoleGrants {
        switch self {
        case .owner:
            return .all(.manage)
        case .mirrorManager:
            return RoleGrants([
                .channels: .read, .subchannels: .read,
                .channelMirrors: .manage, .subchannelMirrors: .manage,
                .policies: .manage, .members: .read, .auditLog: .read,
            ])
        case .contributor:
            return RoleGrants([
                .channels: .write, .subchannels: .write,
                .channelMirrors: .write, .subchannelMirrors: .write,
                .policies: .write, .members: .read,
            ])
        case .viewer:
            return RoleGrants([
                .channels: .read, .subchannels: .read,
                .channelMirrors: .read, .subchannelMirrors: .read,
                .policies: .read,
            ])
        }
    }
}
