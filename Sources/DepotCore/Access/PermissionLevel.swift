/// How much a role may do in one category. Levels are cumulative:
/// Read = view; Write = view and create; Manage = everything.
public enum PermissionLevel: Int, CaseIterable, Sendable, Codable, Comparable, Hashable {
    case none = 0
    case read = 1
    case write = 2
    case manage = 3

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public var name: String {
        switch self {
        case .none: "none"
        case .read: "read"
        case .write: "write"
        case .manage: "manage"
        }
    }

    public var title: String { name.prefix(1).uppercased() + name.dropFirst() }

    public init?(name: String) {
        guard let level = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = level
    }
}
