import Foundation
import GRDB

extension AppDatabase {
    /// Appends an audit entry inside the caller's write transaction, so a change and its record land together.
    static func audit(
        _ db: Database, _ actor: AuditActor, org: Int64?, action: String, target: String, details: String = ""
    ) throws {
        var entry = AuditRecord(
            id: nil, at: Date(), actorID: actor.id, actorName: actor.name, orgID: org,
            action: action, target: target, details: details)
        try entry.insert(db)
    }

    /// The newest entries first; `org == nil` lists every organisation's (administrators only).
    public func auditEntries(org: Int64?, limit: Int = 200, before: Int64? = nil) async throws -> [AuditRecord] {
        try await reader.read { db in
            var request = AuditRecord.order(AuditRecord.Columns.id.desc).limit(limit)
            if let org { request = request.filter(AuditRecord.Columns.orgID == org) }
            if let before { request = request.filter(AuditRecord.Columns.id < before) }
            return try request.fetchAll(db)
        }
    }
}
