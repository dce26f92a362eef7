import DepotCore
import DepotStore
import Foundation
import Testing

@testable import DepotMirror

/// Conda runs under a policy: what is published, and that failures and policy changes lose nothing.
@Suite struct PolicyRunTests {
    /// linux-64 `app` needs noarch `lib`; noarch also has `extra`, which nothing asks for.
    func publishUpstream(_ upstream: FakeUpstream) throws {
        try upstream.publish(subdir: "linux-64", [
            "app-1.0-h0_0.conda": upstream.addPackage(subdir: "linux-64", filename: "app-1.0-h0_0.conda", depends: ["lib >=1", "__glibc >=2.17"]),
        ])
        try upstream.publish(subdir: "noarch", [
            "lib-1.0-0.conda": upstream.addPackage(subdir: "noarch", filename: "lib-1.0-0.conda"),
            "extra-1.0-0.conda": upstream.addPackage(subdir: "noarch", filename: "extra-1.0-0.conda"),
        ])
    }

    /// A fixture, an upstream with `publishUpstream`'s packages, channel `main` (with a policy allowing
    /// `allow`, when given) and a linux-64 + noarch mirror of the upstream.
    func withMirror(
        allow: [String]?, _ body: @escaping @Sendable (MirrorFixture, FakeUpstream, ChannelRecord, MirrorRecord) async throws -> Void
    ) async throws {
        let f = try await MirrorFixture()
        let upstream = FakeUpstream()
        try publishUpstream(upstream)
        try await upstream.serve { url in
            let channel = try await f.channel("main")
            if let allow { try await applyPolicy(f, to: channel, allow: allow) }
            let mirror = try await f.mirror(channel, url: url, subdirs: ["linux-64", "noarch"])
            try await body(f, upstream, channel, mirror)
        }
    }

    func applyPolicy(_ f: MirrorFixture, to channel: ChannelRecord, allow: [String]) async throws {
        let valid = try PolicyInput(name: "p", allow: allow, includeDependencies: true).validate().get()
        let policy = try await f.database.createPolicy(org: f.org.id!, valid, by: .system)
        _ = try await f.database.setChannelPolicy(channelID: channel.id!, policyID: policy.id, by: .system)
    }

    @Test func keepsAllowedPackagesAndTheirDependenciesAcrossSubdirsAndSavesAReport() async throws {
        try await withMirror(allow: ["app"]) { f, upstream, channel, mirror in
            let run = try await f.run(mirror)
            #expect(run.status == "completed")
            #expect(run.policyName == "p" && run.dependencyCount == 1)
            #expect((run.sourceCount, run.keptCount, run.filteredCount) == (3, 2, 1))
            #expect(MirrorFixture.filenames(try await f.served(channel, "linux-64")) == ["app-1.0-h0_0.conda"])
            #expect(MirrorFixture.filenames(try await f.served(channel, "noarch")) == ["lib-1.0-0.conda"])
            let filtered = try await f.database.filtered(runID: run.id!)
            #expect(filtered.map(\.filename) == ["extra-1.0-0.conda"] && filtered.first?.reason == FilterReason.notAllowed.rawValue)
            let json = try #require(try await f.database.runReport(runID: run.id!))
            let report = try JSONDecoder().decode(DependencyReport.self, from: Data(json.utf8))
            #expect(report.rules.first?.dependencies.map(\.package) == ["noarch/lib-1.0-0.conda"])
            // A policy run keeps no validators: what the channel holds depends on the policy too.
            #expect(try await f.database.upstreamState(mirrorID: mirror.id!, subdir: "noarch") == nil)
        }
    }

    @Test func aSubdirThatCannotBeReadAppliesNothing() async throws {
        try await withMirror(allow: ["app"]) { f, upstream, channel, mirror in
            #expect(try await f.run(mirror).status == "completed")
            upstream.behave("linux-64/repodata.json", .status(503))
            let second = try await f.run(mirror)
            #expect(second.status == "failed")
            #expect(second.error?.contains("nothing was applied") == true)
            // lib stays: without linux-64 the policy cannot know app still needs it.
            #expect(MirrorFixture.filenames(try await f.served(channel, "noarch")) == ["lib-1.0-0.conda"])
            #expect(MirrorFixture.filenames(try await f.served(channel, "linux-64")) == ["app-1.0-h0_0.conda"])
            #expect(try await f.database.packageCount(mirrorID: mirror.id!) == 2)
        }
    }

    @Test func aStray304IsAFailureNotAnEmptyIndex() async throws {
        try await withMirror(allow: ["app", "extra"]) { f, upstream, channel, mirror in
            #expect(try await f.run(mirror).status == "completed")
            upstream.behave("linux-64/repodata.json.zst", .status(304))
            let second = try await f.run(mirror)
            #expect(second.status == "failed")
            #expect(second.error?.contains("not conditional") == true)
            #expect(MirrorFixture.filenames(try await f.served(channel, "noarch")) == ["extra-1.0-0.conda", "lib-1.0-0.conda"])
        }
    }

    @Test func removingThePolicyBringsEverythingBackAtTheNextRun() async throws {
        try await withMirror(allow: nil) { f, upstream, channel, mirror in
            // A run without a policy stores validators; the policy run must not be fooled by them, nor leave them.
            #expect(try await f.run(mirror).status == "completed")
            try await applyPolicy(f, to: channel, allow: ["app"])
            #expect(try await f.run(mirror).status == "completed")
            #expect(MirrorFixture.filenames(try await f.served(channel, "noarch")) == ["lib-1.0-0.conda"])
            _ = try await f.database.setChannelPolicy(channelID: channel.id!, policyID: nil, by: .system)
            let third = try await f.run(mirror)
            #expect(third.status == "completed" && third.policyName == nil)
            #expect(MirrorFixture.filenames(try await f.served(channel, "noarch")) == ["extra-1.0-0.conda", "lib-1.0-0.conda"])
        }
    }

    @Test func aMirrorsOwnPolicyOverridesTheChannels() async throws {
        try await withMirror(allow: ["app"]) { f, upstream, channel, mirror in
            let own = try await f.database.createPolicy(
                org: f.org.id!, try PolicyInput(name: "own", allow: ["extra"]).validate().get(), by: .system)
            _ = try await f.database.updateMirror(
                id: mirror.id!, name: mirror.name, sourceURL: nil, subdirs: mirror.subdirList, cron: mirror.cron, nextRunAt: nil,
                policyID: .some(own.id), by: .system)
            let run = try await f.run(mirror)
            #expect(run.policyName == "own")
            #expect(MirrorFixture.filenames(try await f.served(channel, "noarch")) == ["extra-1.0-0.conda"])
            #expect(MirrorFixture.filenames(try await f.served(channel, "linux-64")) == [])
            #expect(try await f.database.runReport(runID: run.id!) == nil)
        }
    }
}
