/// Who is asking: an anonymous visitor, a member of some organisations, or an instance administrator.
public struct Principal: Sendable, Equatable {
    public let userID: Int64?
    public let userName: String?
    public let isAdmin: Bool
    /// The grants of the user's role in each organisation they belong to, by organisation id.
    public let grants: [Int64: RoleGrants]

    public init(userID: Int64?, userName: String?, isAdmin: Bool, grants: [Int64: RoleGrants]) {
        self.userID = userID
        self.userName = userName
        self.isAdmin = isAdmin
        self.grants = grants
    }

    public static let anonymous = Principal(userID: nil, userName: nil, isAdmin: false, grants: [:])

    public var isSignedIn: Bool { userID != nil }

    public func isMember(of org: Int64) -> Bool { isAdmin || grants[org] != nil }

    public func level(on category: PermissionCategory, in org: Int64) -> PermissionLevel {
        isAdmin ? .manage : (grants[org]?[category] ?? .none)
    }

    public func can(_ action: PermissionAction, on category: PermissionCategory, in org: Int64) -> Bool {
        level(on: category, in: org) >= action.requiredLevel
    }

    /// Decides an action on a resource of `org`.
    /// A resource the principal may not even see answers `.notFound`, so its existence does not leak;
    /// one it can see (through its role, or because it is public) but not change answers `.forbidden`.
    public func decide(
        _ action: PermissionAction, on category: PermissionCategory, in org: Int64, isPublic: Bool = false
    ) -> AccessDecision {
        if can(action, on: category, in: org) { return .allowed }
        if action == .view && isPublic { return .allowed }
        if isPublic || can(.view, on: category, in: org) { return .forbidden }
        return .notFound
    }
}

public enum AccessDecision: Sendable, Equatable {
    case allowed
    case forbidden
    case notFound
}
