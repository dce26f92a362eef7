import DepotCore
import Foundation
import GRDB

extension AppDatabase {
    public func policies(org: Int64) async throws -> [PolicyRecord] {
        try await reader.read { db in
            try PolicyRecord.filter(PolicyRecord.Columns.orgID == org).order(PolicyRecord.Columns.name).fetchAll(db)
        }
    }

    public func policy(id: Int64) async throws -> PolicyRecord? {
        try await reader.read { db in try PolicyRecord.fetchOne(db, key: id) }
    }

    public func policy(org: Int64, name: String) async throws -> PolicyRecord? {
        try await reader.read { db in
            try PolicyRecord.filter(PolicyRecord.Columns.orgID == org && PolicyRecord.Columns.name == name).fetchOne(db)
        }
    }

    public func createPolicy(org: Int64, _ valid: PolicyInput.Valid, by actor: AuditActor) async throws -> PolicyRecord {
        try await writer.write { db in
            guard try OrgRecord.fetchOne(db, key: org) != nil else { throw StoreError.notFound("organisation") }
            try Self.checkPolicyName(db, org: org, name: valid.name, except: nil)
            var policy = PolicyRecord(orgID: org, name: valid.name, description: valid.description, rules: valid.rules)
            try policy.insert(db)
            try Self.audit(db, actor, org: org, action: "policy.create", target: "policy \(valid.name)", details: valid.rules.summary.joined(separator: "; "))
            return policy
        }
    }

    public func updatePolicy(id: Int64, _ valid: PolicyInput.Valid, by actor: AuditActor) async throws -> PolicyRecord {
        try await writer.write { db in
            guard var policy = try PolicyRecord.fetchOne(db, key: id) else { throw StoreError.notFound("policy") }
            try Self.checkPolicyName(db, org: policy.orgID, name: valid.name, except: id)
            let before = policy.name
            policy.name = valid.name
            policy.description = valid.description
            policy.rules = PolicyRecord.encode(valid.rules)
            policy.updatedAt = Date()
            try policy.update(db)
            try Self.audit(
                db, actor, org: policy.orgID, action: "policy.update", target: "policy \(before)",
                details: (before == valid.name ? "" : "renamed \(valid.name); ") + valid.rules.summary.joined(separator: "; "))
            return policy
        }
    }

    /// Refuses while a channel or mirror uses the policy, and names them.
    public func deletePolicy(id: Int64, by actor: AuditActor) async throws {
        try await writer.write { db in
            guard let policy = try PolicyRecord.fetchOne(db, key: id) else { throw StoreError.notFound("policy") }
            let users = try Self.policyUsers(db, id: id)
            if !users.isEmpty {
                throw StoreError.conflict("“\(policy.name)” is applied to \(users.joined(separator: ", ")). Choose another policy there first.")
            }
            try policy.delete(db)
            try Self.audit(db, actor, org: policy.orgID, action: "policy.delete", target: "policy \(policy.name)")
        }
    }

    /// “channel x” and “mirror y of x” for each place the policy is applied.
    public func policyUsers(id: Int64) async throws -> [String] {
        try await reader.read { db in try Self.policyUsers(db, id: id) }
    }

    static func policyUsers(_ db: Database, id: Int64) throws -> [String] {
        let channels = try String.fetchAll(db, sql: "SELECT fullName FROM channels WHERE policyID = ? ORDER BY fullName", arguments: [id])
        let mirrors = try Row.fetchAll(
            db, sql: "SELECT m.name, c.fullName FROM mirrors m JOIN channels c ON c.id = m.channelID WHERE m.policyID = ? ORDER BY c.fullName, m.name",
            arguments: [id])
        return channels.map { "channel \($0)" } + mirrors.map { "mirror \($0[0] as String) of \($0[1] as String)" }
    }

    static func checkPolicyName(_ db: Database, org: Int64, name: String, except: Int64?) throws {
        var request = PolicyRecord.filter(PolicyRecord.Columns.orgID == org && PolicyRecord.Columns.name == name)
        if let except { request = request.filter(Column("id") != except) }
        if try request.fetchCount(db) > 0 {
            throw StoreError.duplicate(field: "name", message: "This organisation already has a policy named “\(name)”.")
        }
    }

    /// Sets (or clears) the policy of a channel's mirrors. The policy must belong to the channel's organisation
    /// and must not already be a mirror's own policy in this channel.
    public func setChannelPolicy(channelID: Int64, policyID: Int64?, by actor: AuditActor) async throws -> ChannelRecord {
        try await writer.write { db in
            guard var channel = try ChannelRecord.fetchOne(db, key: channelID) else { throw StoreError.notFound("channel") }
            guard channel.policyID != policyID else { return channel }
            var name = "none"
            if let policyID {
                guard let policy = try PolicyRecord.fetchOne(db, key: policyID), policy.orgID == channel.orgID else {
                    throw StoreError.invalid(ValidationErrors(field: "policy", message: "Choose a policy of this channel's organisation."))
                }
                if let mirror = try String.fetchOne(
                    db, sql: "SELECT name FROM mirrors WHERE channelID = ? AND policyID = ? ORDER BY name", arguments: [channelID, policyID])
                {
                    throw StoreError.invalid(ValidationErrors(
                        field: "policy",
                        message: "“\(policy.name)” is already applied to mirror \(mirror) of this channel. Set that mirror to use the channel's policy first."))
                }
                name = policy.name
            }
            channel.policyID = policyID
            channel.updatedAt = Date()
            try channel.update(db)
            try Self.audit(db, actor, org: channel.orgID, action: "channel.policy", target: "channel \(channel.fullName)", details: "policy \(name)")
            return channel
        }
    }

    /// Nil when a mirror of `channel` may use `policyID` as its own policy, else the message for the form.
    static func mirrorPolicyProblem(_ db: Database, channel: ChannelRecord, policyID: Int64?) throws -> String? {
        guard let policyID else { return nil }
        guard let policy = try PolicyRecord.fetchOne(db, key: policyID), policy.orgID == channel.orgID else {
            return "Choose a policy of this channel's organisation."
        }
        if channel.policyID == policyID {
            return "“\(policy.name)” is already the channel's policy; choose “Use the channel's policy” instead."
        }
        return nil
    }

    /// The policy a run of the mirror applies: its own, else its channel's.
    public func effectivePolicy(mirror: MirrorRecord) async throws -> PolicyRecord? {
        try await reader.read { db in
            if let id = mirror.policyID { return try PolicyRecord.fetchOne(db, key: id) }
            guard let channel = try ChannelRecord.fetchOne(db, key: mirror.channelID), let id = channel.policyID else { return nil }
            return try PolicyRecord.fetchOne(db, key: id)
        }
    }

    // MARK: Dependency reports

    public func saveRunReport(runID: Int64, report: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO run_reports (runID, report) VALUES (?, ?)", arguments: [runID, report])
        }
    }

    public func hasRunReport(runID: Int64) async throws -> Bool {
        try await reader.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM run_reports WHERE runID = ?)", arguments: [runID]) ?? false
        }
    }

    /// The newest run of the mirror that made a dependency report.
    public func latestReportRun(mirrorID: Int64) async throws -> Int64? {
        try await reader.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT r.runID FROM run_reports r JOIN mirror_runs m ON m.id = r.runID WHERE m.mirrorID = ? ORDER BY r.runID DESC LIMIT 1",
                arguments: [mirrorID])
        }
    }

    /// The report's JSON, when the run made one.
    public func runReport(runID: Int64) async throws -> String? {
        try await reader.read { db in try String.fetchOne(db, sql: "SELECT report FROM run_reports WHERE runID = ?", arguments: [runID]) }
    }
}
