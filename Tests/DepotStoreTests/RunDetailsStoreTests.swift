import DepotCore
import DepotStore
import Foundation
import GRDB
import Testing

@Suite struct RunDetailsStoreTests {
    /// A channel with two mirrors, a run of the first and a run of the second.
    struct Seeded {
        let t: TestDatabase
        let channel: ChannelRecord
        let mirror: MirrorRecord
        let other: MirrorRecord
        let run: RunRecord
        let otherRun: RunRecord
    }

    static func seed() async throws -> Seeded {
        let t = try TestDatabase()
        let org = try await t.makeOrg()
        let channel = try await t.database.createChannel(
            org: org.id!, parent: nil, input: ChannelInput(name: "main", description: "", privacy: "private"), by: .system)
        func makeMirror(_ name: String) async throws -> MirrorRecord {
            try await t.database.createMirror(
                MirrorRecord(channelID: channel.id!, name: name, type: "conda", mode: "active", sourceURL: "http://127.0.0.1:9/c",
                             subdirs: ["noarch"], cron: "0 0 1 * *"), by: .system)
        }
        let mirror = try await makeMirror("up")
        let other = try await makeMirror("other")
        let run = try await t.database.enqueueRun(mirrorID: mirror.id!, trigger: "test")
        let otherRun = try await t.database.enqueueRun(mirrorID: other.id!, trigger: "test")
        return Seeded(t: t, channel: channel, mirror: mirror, other: other, run: run, otherRun: otherRun)
    }

    static func rows(_ runID: Int64, _ reason: FilterReason, _ detail: String, _ names: [String], subdir: String = "noarch") -> [FilteredRecord] {
        names.map { FilteredRecord(runID: runID, subdir: subdir, filename: $0, reason: reason.rawValue, detail: detail) }
    }

    @Test func theSummaryCountsByReasonAndSplitsRulesAndLicencesByDetail() async throws {
        // Given a run with rows of several reasons, and another run's rows
        let s = try await Self.seed()
        let run = s.run.id!
        var rows: [FilteredRecord] = []
        rows += Self.rows(run, .excluded, "p*", (0..<4).map { "p\($0).tar.bz2" })
        rows += Self.rows(run, .excluded, "q*", ["q.tar.bz2"])
        rows += Self.rows(run, .blockedByRule, "numpy <1.20", (0..<3).map { "numpy-1.1\($0)-0.conda" })
        rows += Self.rows(run, .blockedByRule, "scipy", ["scipy-1.0-0.conda"])
        rows += Self.rows(run, .license, "AGPL-3", ["a_1.0.tar.gz", "b_1.0.tar.gz"], subdir: "src/contrib")
        rows += Self.rows(run, .license, "GPL-3", ["c_1.0.tar.gz"], subdir: "src/contrib")
        rows += Self.rows(s.otherRun.id!, .excluded, "p*", ["elsewhere.tar.bz2"])
        try await s.t.database.recordFiltered(rows)

        // When the summary is read
        let summary = try await s.t.database.filteredSummary(runID: run)

        // Then excluded is one line whatever its details; rules and licences get a line per detail, largest first
        #expect(summary.map { "\($0.reason)|\($0.detail ?? "-")|\($0.count)" } == [
            "blocked_by_rule|numpy <1.20|3", "blocked_by_rule|scipy|1",
            "excluded|-|5",
            "license|AGPL-3|2", "license|GPL-3|1",
        ])
        #expect(try await s.t.database.filteredSummary(runID: s.otherRun.id!).map(\.count) == [1])
        #expect(try await s.t.database.filteredSummary(runID: 9_999).isEmpty)
    }

    @Test func pagesAreOrderedBySubdirAndFilenameWithTheTotal() async throws {
        let s = try await Self.seed()
        let run = s.run.id!
        var rows = Self.rows(run, .excluded, "", (0..<25).reversed().map { String(format: "pkg-%02d.tar.bz2", $0) })
        rows += Self.rows(run, .hashMismatch, "expected 00, got ff", ["zeta.conda"], subdir: "linux-64")
        rows += Self.rows(s.otherRun.id!, .excluded, "", ["pkg-99.tar.bz2"])
        try await s.t.database.recordFiltered(rows)

        let first = try await s.t.database.filteredPage(runID: run, reason: nil, detail: nil, search: nil, offset: 0, limit: 10)
        #expect(first.total == 26)
        #expect(first.items.map(\.filename) == ["zeta.conda"] + (0..<9).map { String(format: "pkg-%02d.tar.bz2", $0) })

        let last = try await s.t.database.filteredPage(runID: run, reason: nil, detail: nil, search: nil, offset: 20, limit: 10)
        #expect(last.total == 26)
        #expect(last.items.map(\.filename) == (19..<25).map { String(format: "pkg-%02d.tar.bz2", $0) })

        let past = try await s.t.database.filteredPage(runID: run, reason: nil, detail: nil, search: nil, offset: 500, limit: 10)
        #expect(past.items.isEmpty)
        #expect(past.total == 26)

        // Negative offsets and limits read as zero rather than failing.
        let odd = try await s.t.database.filteredPage(runID: run, reason: nil, detail: nil, search: nil, offset: -5, limit: -1)
        #expect(odd.items.isEmpty)
        #expect(odd.total == 26)

        let hashes = try await s.t.database.filteredPage(
            runID: run, reason: FilterReason.hashMismatch.rawValue, detail: nil, search: nil, offset: 0, limit: 10)
        #expect(hashes.total == 1)
        #expect(hashes.items.first?.detail == "expected 00, got ff")
    }

    @Test func reasonAndDetailNarrowThePage() async throws {
        let s = try await Self.seed()
        let run = s.run.id!
        try await s.t.database.recordFiltered(
            Self.rows(run, .blockedByRule, "numpy <1.20", ["numpy-1.19-0.conda", "numpy-1.18-0.conda"])
                + Self.rows(run, .blockedByRule, "scipy", ["scipy-1.0-0.conda"])
                + Self.rows(run, .excluded, "numpy*", ["numpy-2.0-0.conda"]))

        let rule = try await s.t.database.filteredPage(
            runID: run, reason: "blocked_by_rule", detail: "numpy <1.20", search: nil, offset: 0, limit: 10)
        #expect(rule.total == 2)
        #expect(rule.items.map(\.filename) == ["numpy-1.18-0.conda", "numpy-1.19-0.conda"])

        let blocked = try await s.t.database.filteredPage(runID: run, reason: "blocked_by_rule", detail: nil, search: nil, offset: 0, limit: 10)
        #expect(blocked.total == 3)

        let searched = try await s.t.database.filteredPage(runID: run, reason: "blocked_by_rule", detail: nil, search: "NUMPY", offset: 0, limit: 10)
        #expect(searched.total == 2, "the search ignores case and combines with the reason")
    }

    @Test func searchTreatsLikeWildcardsAsPlainCharacters() async throws {
        let s = try await Self.seed()
        let run = s.run.id!
        let names = ["50%off-1.0-0.conda", "50xoff-1.0-0.conda", "a_b-1.0-0.conda", "axb-1.0-0.conda", #"back\slash-1.0-0.conda"#, "backslash-1.0-0.conda"]
        try await s.t.database.recordFiltered(Self.rows(run, .invalidFilename, "", names))

        func search(_ text: String) async throws -> [String] {
            try await s.t.database.filteredPage(runID: run, reason: nil, detail: nil, search: text, offset: 0, limit: 50).items.map(\.filename)
        }
        #expect(try await search("50%") == ["50%off-1.0-0.conda"])
        #expect(try await search("%") == ["50%off-1.0-0.conda"])
        #expect(try await search("a_b") == ["a_b-1.0-0.conda"])
        #expect(try await search(#"k\s"#) == [#"back\slash-1.0-0.conda"#])
        #expect(try await search("OFF").count == 2)
        #expect(try await search("").count == names.count)
        #expect(try await search("nothing-like-this").isEmpty)
        #expect(AppDatabase.escapeLike(#"5%_\x"#) == #"5\%\_\\x"#)
    }

    @Test func modeCountsSplitPassivePackagesByWhetherTheyAreStored() async throws {
        let s = try await Self.seed()
        func package(_ name: String, mode: String, stored: Bool, mirror: MirrorRecord) -> PackageRecord {
            PackageRecord(
                channelID: s.channel.id!, mirrorID: mirror.id!, subdir: "noarch", filename: "\(name)-1.0-0.conda", name: name,
                version: "1.0", build: "0", size: 10, sha256: String(repeating: "a", count: 64), md5: nil, record: "{}", mode: mode,
                upstreamURL: "http://127.0.0.1:9/c/noarch/\(name)-1.0-0.conda", blobSHA256: stored ? String(repeating: "a", count: 64) : nil)
        }
        #expect(try await s.t.database.modeCounts(mirrorID: s.mirror.id!) == (0, 0, 0))
        let upserts = [
            package("a", mode: "active", stored: true, mirror: s.mirror), package("b", mode: "active", stored: true, mirror: s.mirror),
            package("c", mode: "passive", stored: true, mirror: s.mirror),
            package("d", mode: "passive", stored: false, mirror: s.mirror), package("e", mode: "passive", stored: false, mirror: s.mirror),
            package("f", mode: "passive", stored: false, mirror: s.mirror),
        ]
        try await s.t.database.apply(SubdirChange(upserts: upserts, removals: []), channelID: s.channel.id!, mirrorID: s.mirror.id!, subdir: "noarch")
        try await s.t.database.apply(
            SubdirChange(upserts: [package("g", mode: "passive", stored: false, mirror: s.other)], removals: []),
            channelID: s.channel.id!, mirrorID: s.other.id!, subdir: "noarch")

        let counts = try await s.t.database.modeCounts(mirrorID: s.mirror.id!)
        #expect(counts.active == 2)
        #expect(counts.passiveStored == 1)
        #expect(counts.passivePending == 3)
        #expect(try await s.t.database.modeCounts(mirrorID: s.other.id!) == (0, 0, 1))
    }

    @Test func theIndexFunctionCreatesItsIndexOnceAndTheQueriesUseIt() async throws {
        let s = try await Self.seed()
        try await s.t.database.writer.write { db in
            try AppDatabase.addRunDetailsIndex(db)
            try AppDatabase.addRunDetailsIndex(db)  // a second call (the registered migration ran first) is harmless
        }
        let (names, plan) = try await s.t.database.writer.read { db in
            let names = try db.indexes(on: "run_filtered").map(\.name)
            let plan = try Row.fetchAll(
                db, sql: "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM run_filtered WHERE runID = ? AND reason = ?", arguments: [1, "excluded"]
            ).map { $0["detail"] as String? ?? "" }.joined(separator: "\n")
            return (names, plan)
        }
        #expect(names.contains("run_filtered_on_run_reason_detail"))
        #expect(plan.contains("run_filtered_on_run_reason_detail"), "\(plan)")
    }
}

@Suite struct RunRetentionTests {
    @Test func onlyTheNewestRunsKeepTheirFilteredListsAndReports() async throws {
        let database = try TestDatabase().database
        let org = try await database.createOrg(name: "acme", by: .system)
        let channel = try await database.createChannel(org: org.id!, parent: nil, input: ChannelInput(name: "main", description: "", privacy: "public"), by: .system)
        let mirror = try await database.createMirror(
            MirrorRecord(channelID: channel.id!, name: "up", type: "conda", mode: "active", sourceURL: "http://127.0.0.1:9/c", subdirs: ["noarch"], cron: "0 0 1 * *"),
            by: .system)
        var runs: [Int64] = []
        for _ in 0..<(AppDatabase.runsWithDetails + 2) {
            let run = try await database.enqueueRun(mirrorID: mirror.id!, trigger: "test")
            try await database.recordFiltered([FilteredRecord(runID: run.id!, subdir: "noarch", filename: "x.conda", reason: "not_allowed", detail: "")])
            try await database.saveRunReport(runID: run.id!, report: "{}")
            try await database.finishRun(id: run.id!, status: .completed, error: nil, counts: AppDatabase.RunCounts())
            runs.append(run.id!)
        }
        #expect(try await database.filtered(runID: runs[0]).isEmpty)
        #expect(try await database.filtered(runID: runs[1]).isEmpty)
        #expect(try await database.runReport(runID: runs[1]) == nil)
        #expect(try await database.filtered(runID: runs[2]).count == 1)
        #expect(try await database.runReport(runID: runs.last!) == "{}")
        #expect(try await database.run(id: runs[0]) != nil)
    }
}
