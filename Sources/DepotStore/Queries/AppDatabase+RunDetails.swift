import DepotCore
import Foundation
import GRDB

/// Queries behind a run's View Details: what a run left out, counted by reason and paged, and how the mirror's
/// packages reach the blob store.
extension AppDatabase {
    /// Reasons whose rows are also counted per detail (the rule that blocked, the licence), because the detail
    /// is what a user acts on.
    public static let reasonsGroupedByDetail = [FilterReason.blockedByRule.rawValue, FilterReason.license.rawValue]

    /// Creates the index the View Details queries use. Register it as a migration (`v7-run-filtered-index`);
    /// safe to run when the index already exists.
    public static func addRunDetailsIndex(_ db: Database) throws {
        try db.create(
            index: "run_filtered_on_run_reason_detail", on: FilteredRecord.databaseTableName,
            columns: ["runID", "reason", "detail"], options: .ifNotExists)
    }

    /// How many packages a run filtered, by reason; `blocked_by_rule` and `license` are split by detail
    /// (`detail` is nil for the other reasons). Ordered by reason, then by count, largest first.
    public func filteredSummary(runID: Int64) async throws -> [(reason: String, detail: String?, count: Int)] {
        try await reader.read { db in
            let grouped = Self.reasonsGroupedByDetail
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT reason, CASE WHEN reason IN (\(databaseQuestionMarks(count: grouped.count))) THEN detail END AS groupDetail, COUNT(*) AS n
                    FROM run_filtered WHERE runID = ?
                    GROUP BY reason, groupDetail
                    ORDER BY reason, n DESC, groupDetail
                    """,
                arguments: StatementArguments(grouped) + [runID])
            return rows.map { (reason: $0["reason"], detail: $0["groupDetail"], count: $0["n"]) }
        }
    }

    /// One page of a run's filtered packages, ordered by subdir and filename, and how many match in all.
    /// `reason` and `detail` match exactly when given; `search` is a case-insensitive substring of the filename
    /// in which `%`, `_` and `\` are plain characters.
    public func filteredPage(
        runID: Int64, reason: String?, detail: String?, search: String?, offset: Int, limit: Int
    ) async throws -> (items: [FilteredRecord], total: Int) {
        var conditions = ["runID = ?"]
        var arguments: StatementArguments = [runID]
        if let reason {
            conditions.append("reason = ?")
            arguments += [reason]
        }
        if let detail {
            conditions.append("detail = ?")
            arguments += [detail]
        }
        if let search, !search.isEmpty {
            conditions.append("filename LIKE ? ESCAPE '\\'")
            arguments += ["%" + Self.escapeLike(search) + "%"]
        }
        let whereClause = conditions.joined(separator: " AND ")
        let offset = max(0, offset)
        let limit = max(0, limit)
        return try await reader.read { [arguments] db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run_filtered WHERE \(whereClause)", arguments: arguments) ?? 0
            let pageArguments = arguments + [limit, offset]
            let items = try FilteredRecord.fetchAll(
                db, sql: "SELECT * FROM run_filtered WHERE \(whereClause) ORDER BY subdir, filename, id LIMIT ? OFFSET ?",
                arguments: pageArguments)
            return (items, total)
        }
    }

    /// `text` with the LIKE wildcards `%` and `_` and the escape character `\` escaped by `\`.
    public static func escapeLike(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.count)
        for character in text {
            if character == "\\" || character == "%" || character == "_" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// How a mirror's packages reach the blob store now: downloaded during runs (active), fetched on a first
    /// request and already stored (passive stored), or not requested yet (passive pending).
    public func modeCounts(mirrorID: Int64) async throws -> (active: Int, passiveStored: Int, passivePending: Int) {
        try await reader.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT
                        COALESCE(SUM(mode = 'active'), 0) AS active,
                        COALESCE(SUM(mode = 'passive' AND blobSHA256 IS NOT NULL), 0) AS passiveStored,
                        COALESCE(SUM(mode = 'passive' AND blobSHA256 IS NULL), 0) AS passivePending
                    FROM packages WHERE mirrorID = ?
                    """,
                arguments: [mirrorID])
            guard let row else { return (0, 0, 0) }
            return (active: row["active"], passiveStored: row["passiveStored"], passivePending: row["passivePending"])
        }
    }
}
