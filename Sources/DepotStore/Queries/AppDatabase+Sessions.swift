import Foundation
import GRDB

extension AppDatabase {
    public func createSession(_ session: SessionRecord) async throws {
        try await writer.write { db in
            var session = session
            try session.insert(db)
            try db.execute(sql: "DELETE FROM sessions WHERE expiresAt < ?", arguments: [Date()])
        }
    }

    /// The live session with this token hash and its user.
    public func session(tokenHash: String, now: Date = Date()) async throws -> (SessionRecord, UserRecord)? {
        try await reader.read { db in
            guard let session = try SessionRecord.fetchOne(db, key: tokenHash), session.expiresAt > now,
                  let user = try UserRecord.fetchOne(db, key: session.userID)
            else { return nil }
            return (session, user)
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        _ = try await writer.write { db in try SessionRecord.deleteOne(db, key: tokenHash) }
    }

    // MARK: API tokens

    public func createToken(_ token: APITokenRecord, userName: String, by actor: AuditActor) async throws -> APITokenRecord {
        try await writer.write { db in
            var token = token
            try token.insert(db)
            try Self.audit(db, actor, org: nil, action: "token.create", target: "user \(userName)", details: "token \(token.name) (\(token.prefix)…)")
            return token
        }
    }

    public func tokens(of userID: Int64) async throws -> [APITokenRecord] {
        try await reader.read { db in
            try APITokenRecord.filter(APITokenRecord.Columns.userID == userID)
                .order(Column("createdAt").desc).fetchAll(db)
        }
    }

    /// The user that owns a live (unrevoked) token with this hash; records its use.
    public func userForToken(hash: String) async throws -> UserRecord? {
        try await writer.write { db in
            guard var token = try APITokenRecord
                .filter(APITokenRecord.Columns.tokenHash == hash && APITokenRecord.Columns.revokedAt == nil)
                .fetchOne(db)
            else { return nil }
            let now = Date()
            if (token.lastUsedAt.map { now.timeIntervalSince($0) > 60 }) ?? true {
                token.lastUsedAt = now
                try token.update(db)
            }
            return try UserRecord.fetchOne(db, key: token.userID)
        }
    }

    public func revokeToken(id: Int64, userID: Int64, by actor: AuditActor) async throws {
        try await writer.write { db in
            guard var token = try APITokenRecord.fetchOne(db, key: id), token.userID == userID else {
                throw StoreError.notFound("token")
            }
            guard token.revokedAt == nil else { return }
            token.revokedAt = Date()
            try token.update(db)
            try Self.audit(db, actor, org: nil, action: "token.revoke", target: "user \(actor.name)", details: "token \(token.name) (\(token.prefix)…)")
        }
    }
}
