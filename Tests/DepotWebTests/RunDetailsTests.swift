import DepotCore
import DepotStore
import DepotWeb
import Foundation
import HTTPTypes
import Testing

@Suite struct RunDetailsTests {
    /// A finished run of mirror `up` in private channel `main` of `acme`, with 121 filtered packages:
    /// 60 excluded, 20 blocked by `numpy <1.20`, 10 by `scipy >=2`, 15 licence AGPL-3, 5 GPL-3, 9 hash mismatches
    /// and two files whose names hold `%`-lookalikes; plus a second mirror with a run of its own.
    struct Seeded {
        let app: TestApp
        let mirror: MirrorRecord
        let run: RunRecord
        let otherMirror: MirrorRecord
        let otherRun: RunRecord
        let filtered: [FilteredRecord]
        var base: String { "/channels/main/-/mirrors/\(mirror.id!)/runs/\(run.id!)" }
    }

    static func seed() async throws -> Seeded {
        let app = try await TestApp()
        let acme = try await app.org("acme")
        let other = try await app.org("other")
        try await app.user("olive", role: .owner, in: acme)
        try await app.user("bob", role: .owner, in: other)
        let channel = try await app.channel("main", in: acme)
        let mirror = try await MirrorLifecycleTests.makeMirror(app, channel: channel)
        let otherMirror = try await app.database.createMirror(
            MirrorRecord(channelID: channel.id!, name: "second", type: "conda", mode: "passive", sourceURL: "http://127.0.0.1:9/c",
                         subdirs: ["noarch"], cron: "0 0 1 * *"), by: .system)
        let run = try await app.database.enqueueRun(mirrorID: mirror.id!, trigger: "run now by olive")
        let id = run.id!

        func rows(_ reason: FilterReason, _ detail: String, subdir: String, _ names: [String]) -> [FilteredRecord] {
            names.map { FilteredRecord(runID: id, subdir: subdir, filename: $0, reason: reason.rawValue, detail: detail) }
        }
        var filtered: [FilteredRecord] = []
        filtered += rows(.excluded, "test*", subdir: "noarch", (0..<60).map { String(format: "test-pkg-%03d-1.0-0.tar.bz2", $0) })
        filtered += rows(.blockedByRule, "numpy <1.20", subdir: "linux-64", (0..<20).map { String(format: "numpy-1.%02d.0-py0.conda", $0) })
        filtered += rows(.blockedByRule, "scipy >=2", subdir: "linux-64", (0..<10).map { "scipy-2.\($0).0-py0.conda" })
        filtered += rows(.license, "AGPL-3", subdir: "noarch", (0..<15).map { String(format: "agpl-%02d-1.0-0.tar.bz2", $0) })
        filtered += rows(.license, "GPL-3", subdir: "noarch", (0..<5).map { "gpl-\($0)-1.0-0.tar.bz2" })
        filtered += rows(.hashMismatch, "expected abc, got def", subdir: "osx-64", (0..<9).map { "broken-\($0)-1.0-0.conda" })
        filtered += rows(.invalidFilename, "", subdir: "osx-64", ["50%off-1.0-0.conda", "50xoff-1.0-0.conda"])
        try await app.database.recordFiltered(filtered)
        var counts = AppDatabase.RunCounts()
        counts.source = 1_321
        counts.kept = 1_200
        counts.filtered = filtered.count
        counts.downloaded = 1_150
        counts.bytes = 5_500_000
        try await app.database.finishRun(id: id, status: .completed, error: nil, counts: counts)

        // How the mirror's packages are stored: 3 active, 2 passive stored, 4 passive pending.
        func package(_ n: Int, mode: String, stored: Bool) -> PackageRecord {
            PackageRecord(
                channelID: channel.id!, mirrorID: mirror.id!, subdir: "noarch", filename: "kept-\(n)-1.0-0.tar.bz2", name: "kept-\(n)",
                version: "1.0", build: "0", size: 10, sha256: String(repeating: "b", count: 64), md5: nil, record: "{}", mode: mode,
                upstreamURL: "http://127.0.0.1:9/c/noarch/kept-\(n)-1.0-0.tar.bz2", blobSHA256: stored ? String(repeating: "b", count: 64) : nil)
        }
        let packages = (0..<3).map { package($0, mode: "active", stored: true) } + (3..<5).map { package($0, mode: "passive", stored: true) }
            + (5..<9).map { package($0, mode: "passive", stored: false) }
        try await app.database.apply(SubdirChange(upserts: packages, removals: []), channelID: channel.id!, mirrorID: mirror.id!, subdir: "noarch")

        let otherRun = try await app.database.enqueueRun(mirrorID: otherMirror.id!, trigger: "test")
        try await app.database.recordFiltered([
            FilteredRecord(runID: otherRun.id!, subdir: "noarch", filename: "secret-other-run.conda", reason: "excluded", detail: ""),
        ])
        // Finished before the app starts, so that its engine leaves both runs alone.
        try await app.database.finishRun(
            id: otherRun.id!, status: .failed, error: "Upstream answered 500 <b>bold</b>", counts: AppDatabase.RunCounts())
        return Seeded(app: app, mirror: mirror, run: run, otherMirror: otherMirror, otherRun: otherRun, filtered: filtered)
    }

    static func json(_ body: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    /// The filenames of the filtered list on a page, in order.
    static func listed(_ html: String) -> [String] {
        html.components(separatedBy: "<td class=\"filename\">").dropFirst().map { String($0.prefix { $0 != "<" }) }
    }

    /// The seeded rows as the page orders them: by subdir, then filename.
    static func ordered(_ rows: [FilteredRecord]) -> [String] {
        rows.sorted { ($0.subdir, $0.filename) < ($1.subdir, $1.filename) }.map(\.filename)
    }

    @Test func thePageShowsCountsModesAndReasonsGroupedByRuleAndLicence() async throws {
        let s = try await Self.seed()
        try await s.app.run { client in
            let olive = Browser(client)
            try await olive.login("olive")
            let page = try await olive.get(s.base)
            #expect(page.status == .ok)
            let html = page.body
            #expect(html.contains("id=\"run-status\">Completed<"))
            #expect(html.contains("id=\"run-trigger\">run now by olive<"))
            #expect(html.contains("id=\"count-source\">1,321<"))
            #expect(html.contains("id=\"count-kept\">1,200<"))
            #expect(html.contains("id=\"count-filtered\">121<"))
            #expect(html.contains("id=\"count-downloaded\">1,150<"))
            #expect(html.contains("id=\"count-downloaded-size\">5.5 MB<"))
            #expect(html.contains("id=\"mode-active\">3<"))
            #expect(html.contains("id=\"mode-passive-stored\">2<"))
            #expect(html.contains("id=\"mode-passive-pending\">4<"))

            // Reasons, largest first, each with its count; rules and licences split by detail, escaped.
            let reasons = html.components(separatedBy: "<tr class=\"reason\" data-reason=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
            #expect(reasons == ["excluded", "blocked_by_rule", "license", "hash_mismatch", "invalid_filename"])
            #expect(html.contains(">excluded by pattern</a></td><td class=\"reason-count\">60<"))
            #expect(html.contains(">blocked by a policy rule</a></td><td class=\"reason-count\">30<"))
            #expect(html.contains(">rule numpy &lt;1.20</a></td><td class=\"reason-count\">20<"))
            #expect(html.contains(">rule scipy &gt;=2</a></td><td class=\"reason-count\">10<"))
            #expect(html.contains(">licence AGPL-3</a></td><td class=\"reason-count\">15<"))
            #expect(html.contains(">licence GPL-3</a></td><td class=\"reason-count\">5<"))
            #expect(!html.contains("numpy <1.20"), "details are escaped")
            #expect(!html.contains("data-detail=\"test*\""), "excluded is not split by pattern")
            #expect(html.contains("href=\"\(s.base)?reason=blocked_by_rule&amp;detail=numpy%20%3C1.20\""))

            // The first page of the list.
            #expect(html.contains("id=\"filtered-showing\">showing 1–50 of 121<"))
            #expect(Self.listed(html) == Array(Self.ordered(s.filtered).prefix(50)))
            #expect(html.contains("href=\"\(s.base)?page=2\" rel=\"next\""))
            #expect(!html.contains("rel=\"prev\""))
            #expect(!html.contains("secret-other-run"))

            // The mirror's page links here from the latest run and from its row in the runs table.
            let mirrorPage = try await olive.get("/channels/main/-/mirrors/\(s.mirror.id!)")
            #expect(mirrorPage.body.contains("id=\"latest-counts\""))
            #expect(mirrorPage.body.contains("href=\"\(s.base)\" id=\"latest-run-details\""))
            #expect(mirrorPage.body.contains("href=\"\(s.base)\" class=\"run-details\">View Details<"))
            #expect(mirrorPage.body.contains("id=\"latest-filtered\""))
        }
    }

    @Test func reasonDetailAndSearchNarrowTheList() async throws {
        let s = try await Self.seed()
        try await s.app.run { client in
            let olive = Browser(client)
            try await olive.login("olive")

            let rule = try await olive.get(s.base + "?reason=blocked_by_rule&detail=numpy%20%3C1.20")
            #expect(rule.status == .ok)
            #expect(rule.body.contains("showing 1–20 of 20<"))
            #expect(Self.listed(rule.body).allSatisfy { $0.hasPrefix("numpy-") })
            #expect(rule.body.contains("id=\"filter-description\">Only: blocked by a policy rule: rule numpy &lt;1.20"))
            #expect(rule.body.contains("<input type=\"hidden\" name=\"detail\" value=\"numpy &lt;1.20\">"))

            let licence = try await olive.get(s.base + "?reason=license")
            #expect(licence.body.contains("showing 1–20 of 20<"))

            // `%` is a character to find, not a wildcard: only one of the two 50…off files matches.
            let percent = try await olive.get(s.base + "?q=50%25")
            #expect(percent.status == .ok)
            #expect(Self.listed(percent.body) == ["50%off-1.0-0.conda"])
            #expect(percent.body.contains("showing 1–1 of 1<"))
            #expect(percent.body.contains("id=\"q\" name=\"q\" value=\"50%\""))
            let underscore = try await olive.get(s.base + "?q=_")
            #expect(underscore.body.contains("No filtered package matches."))

            // Search within a reason, ignoring case; the reason links keep the search.
            let within = try await olive.get(s.base + "?reason=license&q=AGPL-0")
            #expect(within.body.contains("showing 1–10 of 10<"))
            #expect(within.body.contains("href=\"\(s.base)?reason=excluded&amp;q=AGPL-0\""))
        }
    }

    @Test func pagingShowsTheRightSliceAndBadParametersNeverFail() async throws {
        let s = try await Self.seed()
        let all = Self.ordered(s.filtered)
        try await s.app.run { client in
            let olive = Browser(client)
            try await olive.login("olive")

            let third = try await olive.get(s.base + "?page=3")
            #expect(third.status == .ok)
            #expect(third.body.contains("showing 101–121 of 121<"))
            #expect(Self.listed(third.body) == Array(all[100...]))
            #expect(third.body.contains("href=\"\(s.base)?page=2\" rel=\"prev\""))
            #expect(!third.body.contains("rel=\"next\""))

            let second = try await olive.get(s.base + "?page=2")
            #expect(second.body.contains("showing 51–100 of 121<"))
            #expect(Self.listed(second.body) == Array(all[50..<100]))

            for bad in ["abc", "-1", "0", "", "1.5", "%00", "99999999999999999999"] {
                let page = try await olive.get(s.base + "?page=\(bad)")
                #expect(page.status == .ok, "page=\(bad)")
                #expect(page.body.contains("showing 1–50 of 121<"), "page=\(bad)")
            }
            for huge in ["4", "999", "9223372036854775807"] {
                let page = try await olive.get(s.base + "?page=\(huge)")
                #expect(page.status == .ok, "page=\(huge)")
                #expect(page.body.contains("showing 101–121 of 121<"), "page=\(huge) shows the last page")
            }

            let unknown = try await olive.get(s.base + "?reason=%3Cscript%3E")
            #expect(unknown.status == .badRequest)
            #expect(unknown.body.contains("“&lt;script&gt;” is not a filter reason"))
            #expect(!unknown.body.contains("<script>"))
            // A known reason this run did not record is an empty list, not an error.
            let absent = try await olive.get(s.base + "?reason=too_new")
            #expect(absent.status == .ok)
            #expect(absent.body.contains("No filtered package matches."))
        }
    }

    @Test func strangersAndOtherMirrorsRunsGet404() async throws {
        let s = try await Self.seed()
        try await s.app.run { client in
            let bob = Browser(client)
            try await bob.login("bob")
            #expect(try await bob.get(s.base).status == .notFound)

            let anonymous = Browser(client)
            let signIn = try await anonymous.get(s.base)
            #expect(signIn.status == .seeOther)
            #expect(signIn.location?.hasPrefix("/login") == true)

            let olive = Browser(client)
            try await olive.login("olive")
            // The other mirror's run under this mirror, and this run under the other mirror.
            #expect(try await olive.get("/channels/main/-/mirrors/\(s.mirror.id!)/runs/\(s.otherRun.id!)").status == .notFound)
            #expect(try await olive.get("/channels/main/-/mirrors/\(s.otherMirror.id!)/runs/\(s.run.id!)").status == .notFound)
            #expect(try await olive.get("/channels/main/-/mirrors/\(s.mirror.id!)/runs/99999").status == .notFound)
            #expect(try await olive.get("/channels/main/-/mirrors/\(s.mirror.id!)/runs/abc").status != .internalServerError)
            #expect(try await olive.get("/channels/nope/-/mirrors/\(s.mirror.id!)/runs/\(s.run.id!)").status == .notFound)
            // The other mirror's own run is fine where it belongs.
            let failed = try await olive.get("/channels/main/-/mirrors/\(s.otherMirror.id!)/runs/\(s.otherRun.id!)")
            #expect(failed.status == .ok)
            #expect(failed.body.contains("id=\"run-status\">Failed<"))
            #expect(failed.body.contains("id=\"run-error\">Upstream answered 500 &lt;b&gt;bold&lt;/b&gt;<"))
            #expect(failed.body.contains("id=\"run-started\"><span class=\"muted\">not started</span>"))
            #expect(!failed.body.contains("id=\"run-in-progress\""))
            #expect(failed.body.contains("secret-other-run"))
        }
    }

    @Test func subchannelRunsHaveTheirOwnPathAndAreNotReachableThroughTheParent() async throws {
        let app = try await TestApp()
        let acme = try await app.org("acme")
        try await app.user("olive", role: .owner, in: acme)
        let main = try await app.channel("main", in: acme)
        let dev = try await app.channel("dev", in: acme, parent: main)
        let mirror = try await MirrorLifecycleTests.makeMirror(app, channel: dev)
        let run = try await app.database.enqueueRun(mirrorID: mirror.id!, trigger: "test")
        try await app.database.recordFiltered([
            FilteredRecord(runID: run.id!, subdir: "noarch", filename: "dev-only-1.0-0.conda", reason: "excluded", detail: ""),
        ])
        try await app.database.finishRun(id: run.id!, status: .completed, error: nil, counts: AppDatabase.RunCounts())
        try await app.run { client in
            let olive = Browser(client)
            try await olive.login("olive")
            let page = try await olive.get("/channels/main/dev/-/mirrors/\(mirror.id!)/runs/\(run.id!)")
            #expect(page.status == .ok)
            #expect(page.body.contains("dev-only-1.0-0.conda"))
            #expect(page.body.contains("href=\"/channels/main/dev/-/mirrors/\(mirror.id!)/runs/\(run.id!)?reason=excluded\""))
            #expect(try await olive.get("/channels/main/-/mirrors/\(mirror.id!)/runs/\(run.id!)").status == .notFound)
        }
    }

    @Test func theAPIPagesFilteredPackagesWithTotalsAndGroups() async throws {
        let s = try await Self.seed()
        let olive = try await TokenMinter.mint(database: s.app.database, user: try await s.app.database.user(named: "olive")!, name: "t", by: .system)
        let bob = try await TokenMinter.mint(database: s.app.database, user: try await s.app.database.user(named: "bob")!, name: "t", by: .system)
        let path = "/api/v1/mirrors/\(s.mirror.id!)/runs/\(s.run.id!)/details"
        let all = Self.ordered(s.filtered)
        try await s.app.run { client in
            let plain = try await client.api(path, token: olive)
            #expect(plain.status == .ok)
            let first = try Self.json(plain.body)
            #expect(first["total"] as? Int == 121)
            #expect(first["limit"] as? Int == 100)
            #expect((first["filtered"] as? [[String: Any]])?.count == 100)
            let byReason = try #require(first["filtered_by_reason"] as? [String: Int])
            #expect(byReason == [
                "excluded": 60, "blocked_by_rule": 30, "license": 20, "hash_mismatch": 9, "invalid_filename": 2,
            ])
            let counts = try #require(first["counts"] as? [String: Any])
            #expect(counts["source"] as? Int == 1_321)
            #expect(counts["kept"] as? Int == 1_200)
            #expect(counts["filtered"] as? Int == 121)
            #expect(counts["downloaded"] as? Int == 1_150)
            #expect(counts["downloaded_bytes"] as? Int == 5_500_000)
            let modes = try #require(first["modes"] as? [String: Int])
            #expect(modes == ["active": 3, "passive_stored": 2, "passive_pending": 4])
            let groups = try #require(first["groups"] as? [[String: Any]])
            let numpy = groups.first { $0["detail"] as? String == "numpy <1.20" }
            #expect(numpy?["reason"] as? String == "blocked_by_rule")
            #expect(numpy?["count"] as? Int == 20)
            #expect(numpy?["title"] as? String == "blocked by a policy rule")
            let excluded = groups.first { $0["reason"] as? String == "excluded" }
            #expect(excluded?["count"] as? Int == 60)
            #expect(excluded?["detail"] is NSNull)

            let paged = try Self.json(try await client.api(path + "?offset=100&limit=50", token: olive).body)
            #expect(paged["total"] as? Int == 121)
            #expect((paged["filtered"] as? [[String: Any]])?.compactMap { $0["filename"] as? String } == Array(all[100...]))

            let narrowed = try Self.json(try await client.api(path + "?reason=license&detail=GPL-3&limit=2", token: olive).body)
            #expect(narrowed["total"] as? Int == 5)
            #expect((narrowed["filtered"] as? [[String: Any]])?.count == 2)
            #expect((narrowed["filtered_by_reason"] as? [String: Int])?["excluded"] == 60, "the counts cover the whole run")

            let percent = try Self.json(try await client.api(path + "?q=50%25", token: olive).body)
            #expect(percent["total"] as? Int == 1)

            let capped = try Self.json(try await client.api(path + "?limit=5000", token: olive).body)
            #expect(capped["limit"] as? Int == 1000)
            #expect((capped["filtered"] as? [[String: Any]])?.count == 121)

            for bad in ["offset=-1", "offset=abc", "limit=0", "limit=x", "reason=nonsense"] {
                let answer = try await client.api(path + "?" + bad, token: olive)
                #expect(answer.status == .badRequest, "\(bad)")
                #expect(answer.body.contains("\"error\""), "\(bad)")
            }
            #expect(try await client.api(path, token: bob).status == .notFound)
            #expect(try await client.api("/api/v1/mirrors/\(s.mirror.id!)/runs/\(s.otherRun.id!)/details", token: olive).status == .notFound)
        }
    }
}
