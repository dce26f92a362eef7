import Foundation
import GRDB

public struct UserRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "users"
    public var id: Int64?
    public var name: String
    public var passwordHash: String
    public var isAdmin: Bool
    public var createdAt: Date

    public enum Columns {
        public static let name = Column(CodingKeys.name)
        public static let isAdmin = Column(CodingKeys.isAdmin)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public struct OrgRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "orgs"
    public var id: Int64?
    public var name: String
    public var createdAt: Date

    public enum Columns {
        public static let name = Column(CodingKeys.name)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A role an organisation defined for itself. Built-in roles live in code (`BuiltInRole`).
public struct CustomRoleRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "custom_roles"
    public var id: Int64?
    public var orgID: Int64
    public var name: String
    /// `RoleGrants.encoded`.
    public var grants: String
    public var createdAt: Date

    public enum Columns {
        public static let orgID = Column(CodingKeys.orgID)
        public static let name = Column(CodingKeys.name)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public struct MembershipRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "memberships"
    public var userID: Int64
    public var orgID: Int64
    /// A built-in role's key (`owner`, `mirror-manager`, …) when `customRoleID` is nil.
    public var builtInRole: String?
    public var customRoleID: Int64?
    public var createdAt: Date

    public enum Columns {
        public static let userID = Column(CodingKeys.userID)
        public static let orgID = Column(CodingKeys.orgID)
        public static let customRoleID = Column(CodingKeys.customRoleID)
    }
}

public struct ChannelRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "channels"
    public var id: Int64?
    public var orgID: Int64
    public var parentID: Int64?
    /// The channel's own name (the last path segment).
    public var name: String
    /// `name` or `parent/name`; unique over the instance because it is the channel's URL.
    public var fullName: String
    public var description: String
    public var privacy: String
    public var frozen: Bool
    public var frozenAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    /// The policy applied to the channel's mirrors unless a mirror names its own.
    public var policyID: Int64?

    public enum Columns {
        public static let orgID = Column(CodingKeys.orgID)
        public static let policyID = Column(CodingKeys.policyID)
        public static let parentID = Column(CodingKeys.parentID)
        public static let name = Column(CodingKeys.name)
        public static let fullName = Column(CodingKeys.fullName)
        public static let privacy = Column(CodingKeys.privacy)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public var isPublic: Bool { privacy == "public" }
    public var isSubchannel: Bool { parentID != nil }
}

public struct SessionRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "sessions"
    /// SHA-256 of the cookie value; the cookie itself is never stored.
    public var tokenHash: String
    public var userID: Int64
    public var csrfToken: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(tokenHash: String, userID: Int64, csrfToken: String, createdAt: Date, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.userID = userID
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    public enum Columns {
        public static let tokenHash = Column(CodingKeys.tokenHash)
        public static let userID = Column(CodingKeys.userID)
        public static let expiresAt = Column(CodingKeys.expiresAt)
    }
}

public struct APITokenRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "api_tokens"
    public var id: Int64?
    public var userID: Int64
    public var name: String
    /// SHA-256 of the token; the token is shown once at creation and never stored.
    public var tokenHash: String
    /// The first characters of the token, shown so a user can tell tokens apart.
    public var prefix: String
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public init(userID: Int64, name: String, tokenHash: String, prefix: String, createdAt: Date) {
        self.id = nil
        self.userID = userID
        self.name = name
        self.tokenHash = tokenHash
        self.prefix = prefix
        self.createdAt = createdAt
    }

    public enum Columns {
        public static let userID = Column(CodingKeys.userID)
        public static let tokenHash = Column(CodingKeys.tokenHash)
        public static let revokedAt = Column(CodingKeys.revokedAt)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public struct AuditRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "audit_log"
    public var id: Int64?
    public var at: Date
    public var actorID: Int64?
    public var actorName: String
    public var orgID: Int64?
    /// What happened, e.g. `channel.create`, `channel.freeze`, `member.add`.
    public var action: String
    /// What it happened to, e.g. `channel main/dev`.
    public var target: String
    public var details: String

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let orgID = Column(CodingKeys.orgID)
        public static let at = Column(CodingKeys.at)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
