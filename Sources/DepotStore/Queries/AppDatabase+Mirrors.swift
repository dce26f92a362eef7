import DepotCore
import Foundation
import GRDB

extension AppDatabase {
    public func mirror(id: Int64) async throws -> MirrorRecord? {
        try await reader.read { db in try MirrorRecord.fetchOne(db, key: id) }
    }

    public func mirrors(channelID: Int64) async throws -> [MirrorRecord] {
        try await reader.read { db in
            try MirrorRecord.filter(MirrorRecord.Columns.channelID == channelID).order(MirrorRecord.Columns.createdAt, Column("id")).fetchAll(db)
        }
    }

    public func allMirrors() async throws -> [MirrorRecord] {
        try await reader.read { db in try MirrorRecord.order(Column("id")).fetchAll(db) }
    }

    /// Creates a mirror (already validated by the caller) and records it in the audit log.
    public func createMirror(_ mirror: MirrorRecord, by actor: AuditActor) async throws -> MirrorRecord {
        try await writer.write { db in
            guard let channel = try ChannelRecord.fetchOne(db, key: mirror.channelID) else { throw StoreError.notFound("channel") }
            let clash = try MirrorRecord
                .filter(MirrorRecord.Columns.channelID == mirror.channelID && MirrorRecord.Columns.name == mirror.name)
                .fetchCount(db)
            if clash > 0 {
                throw StoreError.duplicate(field: "name", message: "This channel already has a mirror named “\(mirror.name)”.")
            }
            if let problem = try Self.mirrorPolicyProblem(db, channel: channel, policyID: mirror.policyID) {
                throw StoreError.invalid(ValidationErrors(field: "policy", message: problem))
            }
            var mirror = mirror
            try mirror.insert(db)
            try Self.audit(
                db, actor, org: channel.orgID, action: "mirror.create", target: "mirror \(mirror.name) of \(channel.fullName)",
                details: "\(mirror.type) \(mirror.mode) from \(Redaction.url(mirror.sourceURL))")
            return mirror
        }
    }

    // MARK: Runs

    /// Queues a run unless one is already queued or running; answers the run that will happen.
    public func enqueueRun(mirrorID: Int64, trigger: String) async throws -> RunRecord {
        try await writer.write { db in
            let active = [RunStatus.queued, .running, .stopping].map(\.rawValue)
            if let existing = try RunRecord
                .filter(RunRecord.Columns.mirrorID == mirrorID && active.contains(RunRecord.Columns.status))
                .fetchOne(db)
            {
                return existing
            }
            var run = RunRecord(
                id: nil, mirrorID: mirrorID, status: RunStatus.queued.rawValue, trigger: trigger, queuedAt: Date(),
                startedAt: nil, finishedAt: nil, error: nil, sourceCount: 0, keptCount: 0, filteredCount: 0,
                downloadedCount: 0, downloadedBytes: 0)
            try run.insert(db)
            try db.execute(
                sql: "UPDATE mirrors SET status = ?, step = '', statusDescription = 'Waiting to start', progressDone = 0, progressTotal = 0, progressBytes = 0 WHERE id = ?",
                arguments: [RunStatus.queued.rawValue, mirrorID])
            return run
        }
    }

    public func queuedRuns() async throws -> [RunRecord] {
        try await reader.read { db in
            try RunRecord.filter(RunRecord.Columns.status == RunStatus.queued.rawValue).order(RunRecord.Columns.id).fetchAll(db)
        }
    }

    public func run(id: Int64) async throws -> RunRecord? {
        try await reader.read { db in try RunRecord.fetchOne(db, key: id) }
    }

    public func runs(mirrorID: Int64, limit: Int = 50) async throws -> [RunRecord] {
        try await reader.read { db in
            try RunRecord.filter(RunRecord.Columns.mirrorID == mirrorID).order(RunRecord.Columns.id.desc).limit(limit).fetchAll(db)
        }
    }

    /// The step a run is in, with a one-line description and progress, shown on the mirror's status.
    public func updateProgress(
        mirrorID: Int64, step: String, description: String, done: Int = 0, total: Int = 0, bytes: Int64 = 0
    ) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE mirrors SET step = ?, statusDescription = ?, progressDone = ?, progressTotal = ?, progressBytes = ? WHERE id = ?",
                arguments: [step, description, done, total, bytes, mirrorID])
        }
    }

    public struct RunCounts: Sendable {
        public var source = 0
        public var kept = 0
        public var filtered = 0
        public var downloaded = 0
        public var bytes: Int64 = 0
        /// The policy the run applied (conda), and how many packages it kept only as dependencies.
        public var policyName: String?
        public var dependencies = 0
        public init() {}
    }

    /// How many of a mirror's newest runs keep their filtered-package lists and dependency reports.
    public static let runsWithDetails = 20

    public func finishRun(id: Int64, status: RunStatus, error: String?, counts: RunCounts) async throws {
        try await writer.write { db in
            guard var run = try RunRecord.fetchOne(db, key: id) else { return }
            let now = Date()
            run.status = status.rawValue
            run.finishedAt = now
            run.error = error
            run.sourceCount = counts.source
            run.keptCount = counts.kept
            run.filteredCount = counts.filtered
            run.downloadedCount = counts.downloaded
            run.downloadedBytes = counts.bytes
            run.policyName = counts.policyName
            run.dependencyCount = counts.dependencies
            try run.update(db)
            // Each run's filtered list and dependency report are kept for the newest runs only; the counts stay.
            for table in ["run_filtered", "run_reports"] {
                try db.execute(
                    sql: "DELETE FROM \(table) WHERE runID IN (SELECT id FROM mirror_runs WHERE mirrorID = ? ORDER BY id DESC LIMIT -1 OFFSET ?)",
                    arguments: [run.mirrorID, Self.runsWithDetails])
            }
            let description: String
            switch status {
            case .stopped:
                description = "Stopped on request after \(counts.downloaded) downloads; the channel keeps serving what was published"
            case .completed:
                description = "Completed: \(counts.kept) of \(counts.source) packages kept"
            default:
                description = error ?? "\(status.title)"
            }
            try db.execute(
                sql: "UPDATE mirrors SET status = ?, step = '', statusDescription = ?, lastCompletedAt = CASE WHEN ? THEN ? ELSE lastCompletedAt END WHERE id = ?",
                arguments: [status.rawValue, description, status == .completed, now, run.mirrorID])
        }
    }

    /// Runs a crash left as running: marked Interrupted. Answers how many.
    public func markInterruptedRuns() async throws -> Int {
        try await writer.write { db in
            let stale = try RunRecord.filter([RunStatus.running.rawValue, RunStatus.stopping.rawValue].contains(RunRecord.Columns.status)).fetchAll(db)
            for var run in stale {
                run.status = RunStatus.interrupted.rawValue
                run.finishedAt = Date()
                run.error = "Depot stopped while this run was in progress."
                try run.update(db)
                try db.execute(
                    sql: "UPDATE mirrors SET status = ?, step = '', statusDescription = ? WHERE id = ?",
                    arguments: [RunStatus.interrupted.rawValue, run.error, run.mirrorID])
            }
            return stale.count
        }
    }

    public func recordFiltered(_ items: [FilteredRecord]) async throws {
        guard !items.isEmpty else { return }
        try await writer.write { db in
            for var item in items { try item.insert(db) }
        }
    }

    public func filtered(runID: Int64) async throws -> [FilteredRecord] {
        try await reader.read { db in try FilteredRecord.filter(FilteredRecord.Columns.runID == runID).order(Column("id")).fetchAll(db) }
    }

    // MARK: Upstream state

    public func upstreamState(mirrorID: Int64, subdir: String) async throws -> UpstreamStateRecord? {
        try await reader.read { db in try UpstreamStateRecord.fetchOne(db, key: ["mirrorID": mirrorID, "subdir": subdir]) }
    }

    /// Forgets the validators of every subdir, so the next run reads each index in full.
    public func clearUpstreamState(mirrorID: Int64) async throws {
        try await writer.write { db in
            _ = try UpstreamStateRecord.filter(Column("mirrorID") == mirrorID).deleteAll(db)
        }
    }

    public func saveUpstreamState(_ state: UpstreamStateRecord) async throws {
        try await writer.write { db in
            var state = state
            try state.upsert(db)
        }
    }
}

// MARK: Lifecycle

extension AppDatabase {
    public func setNextRun(mirrorID: Int64, at date: Date?) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE mirrors SET nextRunAt = ? WHERE id = ?", arguments: [date, mirrorID])
        }
    }

    /// Mirrors whose next scheduled run is due at `now`.
    public func dueMirrors(now: Date) async throws -> [MirrorRecord] {
        try await reader.read { db in
            try MirrorRecord.filter(MirrorRecord.Columns.nextRunAt != nil && MirrorRecord.Columns.nextRunAt <= now).fetchAll(db)
        }
    }

    public func activeRun(mirrorID: Int64) async throws -> RunRecord? {
        try await reader.read { db in
            try RunRecord
                .filter(RunRecord.Columns.mirrorID == mirrorID && [RunStatus.queued.rawValue, RunStatus.running.rawValue, RunStatus.stopping.rawValue].contains(RunRecord.Columns.status))
                .fetchOne(db)
        }
    }

    /// Moves a queued run to running; false when another engine (or process) claimed it first.
    public func claimRun(id: Int64) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE mirror_runs SET status = ?, startedAt = ? WHERE id = ? AND status = ?",
                arguments: [RunStatus.running.rawValue, Date(), id, RunStatus.queued.rawValue])
            guard db.changesCount == 1 else { return false }
            try db.execute(
                sql: "UPDATE mirrors SET status = ?, statusDescription = 'Starting' WHERE id = (SELECT mirrorID FROM mirror_runs WHERE id = ?)",
                arguments: [RunStatus.running.rawValue, id])
            return true
        }
    }

    /// Asks a mirror's run to stop: a queued run is stopped at once, a running one becomes Stopping and its
    /// engine stops it. Answers the run, or nil when nothing was running.
    @discardableResult
    public func requestStop(mirrorID: Int64, by actor: AuditActor) async throws -> RunRecord? {
        try await writer.write { db in
            let active = [RunStatus.queued.rawValue, RunStatus.running.rawValue]
            guard var run = try RunRecord
                .filter(RunRecord.Columns.mirrorID == mirrorID && active.contains(RunRecord.Columns.status)).fetchOne(db)
            else { return nil }
            if run.status == RunStatus.queued.rawValue {
                run.status = RunStatus.stopped.rawValue
                run.finishedAt = Date()
                try db.execute(
                    sql: "UPDATE mirrors SET status = ?, step = '', statusDescription = 'Stopped before it started' WHERE id = ?",
                    arguments: [RunStatus.stopped.rawValue, mirrorID])
            } else {
                run.status = RunStatus.stopping.rawValue
                try db.execute(
                    sql: "UPDATE mirrors SET status = ?, statusDescription = 'Stopping' WHERE id = ?",
                    arguments: [RunStatus.stopping.rawValue, mirrorID])
            }
            try run.update(db)
            if let mirror = try MirrorRecord.fetchOne(db, key: mirrorID), let channel = try ChannelRecord.fetchOne(db, key: mirror.channelID) {
                try Self.audit(db, actor, org: channel.orgID, action: "mirror.stop", target: "mirror \(mirror.name) of \(channel.fullName)", details: "run #\(run.id!)")
            }
            return run
        }
    }

    /// Status of runs by id (the engine watches for Stopping).
    public func runStatuses(ids: [Int64]) async throws -> [Int64: String] {
        guard !ids.isEmpty else { return [:] }
        return try await reader.read { db in
            let rows = try RunRecord.filter(ids.contains(RunRecord.Columns.id)).fetchAll(db)
            return Dictionary(uniqueKeysWithValues: rows.map { ($0.id!, $0.status) })
        }
    }

    /// Changes a mirror's settings (the mode is fixed); `sourceURL` nil keeps the stored one.
    public func updateMirror(
        id: Int64, name: String, sourceURL: String?, subdirs: [String], cron: String, nextRunAt: Date?,
        exclude: String? = nil, include: String? = nil, licenseExclude: String? = nil,
        policyID: Int64?? = nil, by actor: AuditActor
    ) async throws -> MirrorRecord {
        defer { packagesChanged() }
        return try await writer.write { db in
            guard var mirror = try MirrorRecord.fetchOne(db, key: id), let channel = try ChannelRecord.fetchOne(db, key: mirror.channelID) else {
                throw StoreError.notFound("mirror")
            }
            let clash = try MirrorRecord
                .filter(MirrorRecord.Columns.channelID == mirror.channelID && MirrorRecord.Columns.name == name && Column("id") != id)
                .fetchCount(db)
            if clash > 0 { throw StoreError.duplicate(field: "name", message: "This channel already has a mirror named “\(name)”.") }
            var changes: [String] = []
            if mirror.name != name { changes.append("name \(mirror.name) → \(name)") }
            if let sourceURL, sourceURL != mirror.sourceURL { changes.append("source \(Redaction.url(sourceURL))") }
            if mirror.subdirList != subdirs { changes.append("subdirs \(subdirs.joined(separator: ","))") }
            if mirror.cron != cron { changes.append("schedule \(cron)") }
            if let exclude, exclude != mirror.exclude { changes.append("exclude \(exclude.split(whereSeparator: \.isNewline).joined(separator: ","))") }
            if let include, include != mirror.include { changes.append("include \(include.split(whereSeparator: \.isNewline).joined(separator: ","))") }
            if let licenseExclude, licenseExclude != mirror.licenseExclude {
                changes.append("licence exclusions \(licenseExclude.split(whereSeparator: \.isNewline).joined(separator: ","))")
                mirror.licenseExclude = licenseExclude
            }
            if let policyID, policyID != mirror.policyID {
                if let problem = try Self.mirrorPolicyProblem(db, channel: channel, policyID: policyID) {
                    throw StoreError.invalid(ValidationErrors(field: "policy", message: problem))
                }
                let name = try policyID.flatMap { try PolicyRecord.fetchOne(db, key: $0)?.name } ?? "the channel's"
                changes.append("policy \(name)")
                mirror.policyID = policyID
            }
            if let exclude { mirror.exclude = exclude }
            if let include { mirror.include = include }
            let sourceChanged = sourceURL != nil && sourceURL != mirror.sourceURL
            let dropped = mirror.subdirList.filter { !subdirs.contains($0) }
            if sourceChanged {
                // Validators of the old URL must not make the new one look unchanged.
                try db.execute(sql: "DELETE FROM upstream_state WHERE mirrorID = ?", arguments: [id])
            }
            for subdir in dropped {
                try db.execute(sql: "DELETE FROM packages WHERE mirrorID = ? AND subdir = ?", arguments: [id, subdir])
                try db.execute(sql: "DELETE FROM upstream_state WHERE mirrorID = ? AND subdir = ?", arguments: [id, subdir])
            }
            mirror.name = name
            if let sourceURL { mirror.sourceURL = sourceURL }
            mirror.subdirs = subdirs.joined(separator: ",")
            mirror.cron = cron
            mirror.nextRunAt = nextRunAt
            mirror.updatedAt = Date()
            try mirror.update(db)
            try Self.audit(
                db, actor, org: channel.orgID, action: "mirror.update", target: "mirror \(mirror.name) of \(channel.fullName)",
                details: changes.isEmpty ? "no change" : changes.joined(separator: "; "))
            return mirror
        }
    }

    /// Deletes a mirror, its runs and the packages it brought. Answers the subdirs to republish and the sha256s
    /// of its files that no package of any channel refers to any more (their blobs can go).
    public func deleteMirror(id: Int64, by actor: AuditActor) async throws -> (subdirs: [String], orphanBlobs: [String]) {
        defer { packagesChanged() }
        return try await writer.write { db in
            guard let mirror = try MirrorRecord.fetchOne(db, key: id), let channel = try ChannelRecord.fetchOne(db, key: mirror.channelID) else {
                throw StoreError.notFound("mirror")
            }
            let subdirs = try String.fetchAll(db, sql: "SELECT DISTINCT subdir FROM packages WHERE mirrorID = ?", arguments: [id])
            let blobs = try String.fetchAll(
                db, sql: "SELECT DISTINCT COALESCE(blobSHA256, sha256) FROM packages WHERE mirrorID = ? AND COALESCE(blobSHA256, sha256) IS NOT NULL",
                arguments: [id])
            try db.execute(sql: "DELETE FROM packages WHERE mirrorID = ?", arguments: [id])
            try mirror.delete(db)
            let orphans = try Self.unreferenced(db, blobs)
            try Self.audit(
                db, actor, org: channel.orgID, action: "mirror.delete", target: "mirror \(mirror.name) of \(channel.fullName)",
                details: "\(blobs.count) files left the channel")
            return (subdirs, orphans)
        }
    }
}

extension AppDatabase {
    /// Of `blobs`, those no package of any channel refers to.
    static func unreferenced(_ db: Database, _ blobs: [String]) throws -> [String] {
        try blobs.filter { blob in
            try Int.fetchOne(
                db, sql: "SELECT (SELECT COUNT(*) FROM packages WHERE blobSHA256 = ?) + (SELECT COUNT(*) FROM packages WHERE sha256 = ?)",
                arguments: [blob, blob]) == 0
        }
    }

    public func unreferencedBlobs(_ blobs: [String]) async throws -> [String] {
        guard !blobs.isEmpty else { return [] }
        return try await reader.read { db in try Self.unreferenced(db, blobs) }
    }
}
