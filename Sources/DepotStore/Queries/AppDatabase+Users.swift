import DepotCore
import Foundation
import GRDB

extension AppDatabase {
    public func userCount() async throws -> Int {
        try await reader.read { db in try UserRecord.fetchCount(db) }
    }

    public func user(id: Int64) async throws -> UserRecord? {
        try await reader.read { db in try UserRecord.fetchOne(db, key: id) }
    }

    public func user(named name: String) async throws -> UserRecord? {
        try await reader.read { db in
            try UserRecord.filter(UserRecord.Columns.name == name).fetchOne(db)
        }
    }

    public func users() async throws -> [UserRecord] {
        try await reader.read { db in try UserRecord.order(UserRecord.Columns.name).fetchAll(db) }
    }

    /// Creates a user; `passwordHash` is already a bcrypt hash.
    public func createUser(
        name: String, passwordHash: String, isAdmin: Bool, by actor: AuditActor
    ) async throws -> UserRecord {
        if let message = NameRules.checkUserName(name) {
            throw StoreError.invalid(ValidationErrors(field: "name", message: message))
        }
        return try await writer.write { db in
            if try UserRecord.filter(UserRecord.Columns.name == name).fetchCount(db) > 0 {
                throw StoreError.duplicate(field: "name", message: "A user named “\(name)” already exists.")
            }
            var user = UserRecord(
                id: nil, name: name, passwordHash: passwordHash, isAdmin: isAdmin, createdAt: Date())
            try user.insert(db)
            try Self.audit(
                db, actor, org: nil, action: "user.create", target: "user \(name)",
                details: isAdmin ? "administrator" : "")
            return user
        }
    }

    public func setPassword(userID: Int64, passwordHash: String, by actor: AuditActor) async throws {
        try await writer.write { db in
            guard var user = try UserRecord.fetchOne(db, key: userID) else { throw StoreError.notFound("user") }
            user.passwordHash = passwordHash
            try user.update(db)
            try db.execute(sql: "DELETE FROM sessions WHERE userID = ?", arguments: [userID])
            try Self.audit(db, actor, org: nil, action: "user.password", target: "user \(user.name)")
        }
    }
}

public struct InstanceCounts: Sendable {
    public let users: Int
    public let orgs: Int
    public let channels: Int
}

extension AppDatabase {
    public func counts() async throws -> InstanceCounts {
        try await reader.read { db in
            InstanceCounts(users: try UserRecord.fetchCount(db), orgs: try OrgRecord.fetchCount(db), channels: try ChannelRecord.fetchCount(db))
        }
    }
}
