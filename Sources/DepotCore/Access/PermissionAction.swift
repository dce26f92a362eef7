/// Something a user tries to do to a resource.
public enum PermissionAction: String, CaseIterable, Sendable {
    case view
    case create
    case edit
    case delete
    case freeze
    case stop
    case restart

    /// The lowest level that allows this action.
    public var requiredLevel: PermissionLevel {
        switch self {
        case .view: .read
        case .create: .write
        case .edit, .delete, .freeze, .stop, .restart: .manage
        }
    }
}
