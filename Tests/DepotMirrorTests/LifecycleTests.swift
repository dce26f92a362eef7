import DepotCore
import DepotStore
import Foundation
import Logging
import Testing

@testable import DepotMirror

@Suite struct SchedulerTests {
    @Test func dueMirrorsRunOnceAndMoveOnAndMissedRunsRunOnceAtStart() async throws {
        let f = try await MirrorFixture()
        let channel = try await f.channel("main")
        let mirror = try await f.mirror(channel, url: "http://127.0.0.1:9")
        let scheduler = Scheduler(engine: f.engine, logger: Logger(label: "test"))
        let t0 = ISO8601DateFormatter().date(from: "2026-01-01T00:00:00Z")!
        // Daily at midnight; the last due time was missed "while Depot was down".
        _ = try await f.database.updateMirror(
            id: mirror.id!, name: mirror.name, sourceURL: nil, subdirs: ["noarch"], cron: "0 0 * * *",
            nextRunAt: t0.addingTimeInterval(-3 * 86_400), by: .system)

        #expect(await scheduler.tick(now: t0.addingTimeInterval(5)) == [mirror.id!])
        let after = try #require(try await f.database.mirror(id: mirror.id!))
        #expect(after.nextRunAt == t0.addingTimeInterval(86_400))
        #expect(try await f.database.queuedRuns().count == 1)

        // Not due again until the next midnight.
        #expect(await scheduler.tick(now: t0.addingTimeInterval(3_600)) == [])
        // Due, but the previous run is still queued: skipped, and the time moves on.
        #expect(await scheduler.tick(now: t0.addingTimeInterval(86_400)) == [])
        #expect(try await f.database.queuedRuns().count == 1)
        #expect(try await f.database.mirror(id: mirror.id!)?.nextRunAt == t0.addingTimeInterval(2 * 86_400))
    }

    @Test func nextRunFollowsTheExpression() {
        let t0 = ISO8601DateFormatter().date(from: "2026-03-10T12:34:56Z")!
        #expect(Scheduler.nextRun(cron: "0 0 1 * *", after: t0) == ISO8601DateFormatter().date(from: "2026-04-01T00:00:00Z"))
        #expect(Scheduler.nextRun(cron: "35 12 * * *", after: t0) == ISO8601DateFormatter().date(from: "2026-03-10T12:35:00Z"))
        #expect(Scheduler.nextRun(cron: "nonsense", after: t0) == nil)
    }
}

@Suite struct StopRestartDeleteTests {
    /// A channel whose upstream serves `count` packages, each taking `delay` to download.
    static func slowUpstream(count: Int, delay: Duration) throws -> FakeUpstream {
        let upstream = FakeUpstream()
        var records: [String: [String: Any]] = [:]
        for i in 0..<count {
            let name = "slow\(i)-1.0-0.conda"
            records[name] = upstream.addPackage(subdir: "noarch", filename: name)
            upstream.behave("noarch/\(name)", .delay(delay))
        }
        try upstream.publish(subdir: "noarch", records)
        return upstream
    }

    @Test func stoppingDuringDownloadsEndsStoppedQuicklyAndKeepsWhatWasMirrored() async throws {
        let f = try await MirrorFixture(concurrency: 2)
        let upstream = try Self.slowUpstream(count: 40, delay: .milliseconds(150))
        try await upstream.serve { url in
            let channel = try await f.channel("main")
            let mirror = try await f.mirror(channel, url: url)
            let run = try await f.engine.enqueue(mirrorID: mirror.id!, trigger: "test")
            await f.engine.pump()
            // Let a few files arrive.
            for _ in 0..<100 {
                if (try await f.database.mirror(id: mirror.id!))?.progressDone ?? 0 >= 4 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            let clock = ContinuousClock()
            let start = clock.now
            let stopped = try #require(try await f.engine.stop(mirrorID: mirror.id!, by: .system, timeout: .seconds(2)))
            #expect(clock.now - start < .seconds(2))
            #expect(stopped.status == "stopped")
            #expect(stopped.downloadedCount >= 4)
            #expect(stopped.downloadedCount < 40)
            let served = MirrorFixture.filenames(try await f.served(channel, "noarch"))
            #expect(served.count == stopped.downloadedCount)
            for name in served {
                let package = try #require(try await f.database.package(channelID: channel.id!, subdir: "noarch", filename: name))
                #expect(await f.blobs.contains(sha256: package.sha256!))
            }
            #expect(try await f.database.mirror(id: mirror.id!)?.status == "stopped")
            _ = run

            // Restart runs from the beginning and completes, downloading only what is missing.
            let again = try await f.engine.restart(mirrorID: mirror.id!, by: .system)
            await f.engine.pump()
            for _ in 0..<500 {
                if let current = try await f.database.run(id: again.id!), !RunStatus(rawValue: current.status)!.isActive { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            let finished = try #require(try await f.database.run(id: again.id!))
            #expect(finished.status == "completed")
            #expect(finished.downloadedCount == 40 - stopped.downloadedCount)
            #expect(MirrorFixture.filenames(try await f.served(channel, "noarch")).count == 40)
        }
    }

    @Test func stoppingAQueuedRunStopsItAtOnce() async throws {
        let f = try await MirrorFixture()
        let channel = try await f.channel("main")
        let mirror = try await f.mirror(channel, url: "http://127.0.0.1:9")
        let run = try await f.engine.enqueue(mirrorID: mirror.id!, trigger: "test")
        let stopped = try await f.engine.stop(mirrorID: mirror.id!, by: .system)
        #expect(stopped?.id == run.id)
        #expect(stopped?.status == "stopped")
        #expect(try await f.database.queuedRuns().isEmpty)
    }

    @Test func deletingAMirrorRemovesItsPackagesFromTheIndexAndUnusedBlobs() async throws {
        let f = try await MirrorFixture()
        let upstream = FakeUpstream()
        try upstream.publish(subdir: "noarch", [
            "own-1.0-0.conda": upstream.addPackage(subdir: "noarch", filename: "own-1.0-0.conda"),
            "shared-1.0-0.conda": upstream.addPackage(subdir: "noarch", filename: "shared-1.0-0.conda"),
        ])
        try await upstream.serve { url in
            let main = try await f.channel("main"), other = try await f.channel("other")
            let mirror = try await f.mirror(main, url: url)
            _ = try await f.run(mirror)
            _ = try await f.run(try await f.mirror(other, url: url))
            let own = try #require(try await f.database.package(channelID: main.id!, subdir: "noarch", filename: "own-1.0-0.conda"))
            // Make "own" unique to main: the other channel drops it.
            try await f.database.apply(SubdirChange(upserts: [], removals: ["own-1.0-0.conda"]), channelID: other.id!, mirrorID: try await f.database.mirrors(channelID: other.id!).first!.id!, subdir: "noarch")

            try await f.engine.delete(mirrorID: mirror.id!, by: .system)
            #expect(try await f.database.mirror(id: mirror.id!) == nil)
            #expect(MirrorFixture.filenames(try await f.served(main, "noarch")) == [])
            #expect(await f.blobs.contains(sha256: own.sha256!) == false)
            let shared = try #require(try await f.database.package(channelID: other.id!, subdir: "noarch", filename: "shared-1.0-0.conda"))
            #expect(await f.blobs.contains(sha256: shared.sha256!))
            #expect(try await f.database.auditEntries(org: f.org.id).first?.action == "mirror.delete")
        }
    }

    @Test func aRunIsClaimedOnce() async throws {
        let f = try await MirrorFixture()
        let channel = try await f.channel("main")
        let mirror = try await f.mirror(channel, url: "http://127.0.0.1:9")
        let run = try await f.engine.enqueue(mirrorID: mirror.id!, trigger: "test")
        async let a = f.database.claimRun(id: run.id!)
        async let b = f.database.claimRun(id: run.id!)
        let claims = try await [a, b]
        #expect(claims.filter { $0 }.count == 1)
    }
}
