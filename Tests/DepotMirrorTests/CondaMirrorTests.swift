import DepotCore
import DepotStore
import Foundation
import NIOCore
import Testing

@testable import DepotMirror

@Suite struct CondaMirrorTests {
    @Test func activeRunKeepsPackagesFiltersTheRestAndPublishes() async throws {
        let f = try await MirrorFixture()
        let upstream = FakeUpstream()
        var noarch: [String: [String: Any]] = [:]
        noarch["good-1.0-0.tar.bz2"] = upstream.addPackage(subdir: "noarch", filename: "good-1.0-0.tar.bz2")
        noarch["fine-2.0-0.conda"] = upstream.addPackage(subdir: "noarch", filename: "fine-2.0-0.conda")
        noarch["notes-1.0-0.txt"] = upstream.addPackage(subdir: "noarch", filename: "notes-1.0-0.txt")
        var bad = upstream.addPackage(subdir: "noarch", filename: "bad-1.0-0.conda")
        bad["sha256"] = String(repeating: "0", count: 64)
        noarch["bad-1.0-0.conda"] = bad
        noarch["../evil-1.0-0.conda"] = noarch["good-1.0-0.tar.bz2"]
        try upstream.publish(subdir: "noarch", noarch)
        try upstream.publish(subdir: "linux-64", ["tool-1.0-h0_0.conda": upstream.addPackage(subdir: "linux-64", filename: "tool-1.0-h0_0.conda")])
        noarch["fine-2.0-0.conda"] = nil
        let withoutFine = try FakeUpstream.repodata(subdir: "noarch", noarch)

        try await upstream.serve { url in
            let channel = try await f.channel("main")
            let mirror = try await f.mirror(channel, url: url, subdirs: ["noarch", "linux-64"])
            let run = try await f.run(mirror)
            #expect(run.status == "completed")
            #expect(run.sourceCount == 6)
            #expect(run.keptCount == 3)
            #expect(run.downloadedCount == 3)

            #expect(MirrorFixture.filenames(try await f.served(channel, "noarch")) == ["fine-2.0-0.conda", "good-1.0-0.tar.bz2"])
            #expect(MirrorFixture.filenames(try await f.served(channel, "linux-64")) == ["tool-1.0-h0_0.conda"])
            let reasons = Dictionary(grouping: try await f.database.filtered(runID: run.id!), by: \.reason).mapValues { $0.map(\.filename) }
            #expect(reasons["not_conda_package"] == ["notes-1.0-0.txt"])
            #expect(reasons["invalid_filename"] == ["../evil-1.0-0.conda"])
            #expect(reasons["hash_mismatch"] == ["bad-1.0-0.conda"])
            #expect(try await f.database.filtered(runID: run.id!).first { $0.reason == "hash_mismatch" }?.detail.contains("the index says 0000") == true)

            // Every published file is in the blob store; the bad one is not, and no temporary file is left.
            let good = try #require(try await f.database.package(channelID: channel.id!, subdir: "noarch", filename: "good-1.0-0.tar.bz2"))
            #expect(await f.blobs.contains(sha256: good.sha256!))
            #expect(try await f.database.package(channelID: channel.id!, subdir: "noarch", filename: "bad-1.0-0.conda") == nil)
            #expect(try FileManager.default.contentsOfDirectory(atPath: f.blobs.root.appendingPathComponent("tmp").path).isEmpty)

            // A second run downloads nothing and asks conditionally.
            let again = try await f.run(mirror)
            #expect(again.status == "completed")
            #expect(again.downloadedCount == 0)
            #expect(upstream.count("noarch/good-1.0-0.tar.bz2") == 1)
            #expect(upstream.conditionalHits >= 1)

            // A package that leaves the upstream leaves the index at the next run.
            let fine = try #require(try await f.database.package(channelID: channel.id!, subdir: "noarch", filename: "fine-2.0-0.conda"))
            upstream.set("noarch/repodata.json", withoutFine)
            let third = try await f.run(mirror)
            #expect(third.status == "completed")
            #expect(MirrorFixture.filenames(try await f.served(channel, "noarch")) == ["good-1.0-0.tar.bz2"])
            // Its file is no longer used by any channel, so it leaves storage too.
            #expect(await f.blobs.contains(sha256: fine.sha256!) == false)
        }
    }

    @Test func aBrokenIndexFailsTheRunAndKeepsWhatWasServed() async throws {
        let f = try await MirrorFixture()
        let upstream = FakeUpstream()
        try upstream.publish(subdir: "noarch", ["a-1.0-0.conda": upstream.addPackage(subdir: "noarch", filename: "a-1.0-0.conda")])
        try await upstream.serve { url in
            let channel = try await f.channel("main")
            let mirror = try await f.mirror(channel, url: url)
            #expect(try await f.run(mirror).status == "completed")

            upstream.set("noarch/repodata.json", Array("{\"packages\": {\"b-1.0-0.conda\": {\"name\"".utf8))
            let broken = try await f.run(mirror)
            #expect(broken.status == "failed")
            #expect(broken.error?.contains("truncated") == true)
            #expect(MirrorFixture.filenames(try await f.served(channel, "noarch")) == ["a-1.0-0.conda"])
            let status = try await f.database.mirror(id: mirror.id!)
            #expect(status?.status == "failed")

            upstream.behave("noarch/repodata.json", .status(503))
            let down = try await f.run(mirror)
            #expect(down.status == "failed")
            #expect(down.error?.contains("HTTP 503") == true)
            #expect(MirrorFixture.filenames(try await f.served(channel, "noarch")) == ["a-1.0-0.conda"])
        }
    }

    @Test func upstreamErrorsOnAFileAreRecordedAgainstThatFile() async throws {
        let f = try await MirrorFixture()
        let upstream = FakeUpstream()
        try upstream.publish(subdir: "noarch", [
            "ok-1.0-0.conda": upstream.addPackage(subdir: "noarch", filename: "ok-1.0-0.conda"),
            "gone-1.0-0.conda": upstream.addPackage(subdir: "noarch", filename: "gone-1.0-0.conda"),
            "cut-1.0-0.conda": upstream.addPackage(subdir: "noarch", filename: "cut-1.0-0.conda"),
            "flip-1.0-0.conda": upstream.addPackage(subdir: "noarch", filename: "flip-1.0-0.conda"),
        ])
        upstream.behave("noarch/gone-1.0-0.conda", .status(500))
        upstream.behave("noarch/cut-1.0-0.conda", .truncated)
        upstream.behave("noarch/flip-1.0-0.conda", .wrongBytes)
        try await upstream.serve { url in
            let channel = try await f.channel("main")
            let run = try await f.run(try await f.mirror(channel, url: url))
            #expect(run.status == "completed")
            #expect(MirrorFixture.filenames(try await f.served(channel, "noarch")) == ["ok-1.0-0.conda"])
            let filtered = Dictionary(uniqueKeysWithValues: try await f.database.filtered(runID: run.id!).map { ($0.filename, $0.reason) })
            #expect(filtered["gone-1.0-0.conda"] == "upstream_error")
            #expect(filtered["flip-1.0-0.conda"] == "hash_mismatch")
            #expect(filtered["cut-1.0-0.conda"] == "upstream_error")
            // The 500 was retried before giving up.
            #expect(upstream.count("noarch/gone-1.0-0.conda") == 3)
        }
    }

    @Test func aFrozenChannelKeepsServingItsIndexUntilUnfrozen() async throws {
        let f = try await MirrorFixture()
        let upstream = FakeUpstream()
        var records = ["a-1.0-0.conda": upstream.addPackage(subdir: "noarch", filename: "a-1.0-0.conda")]
        try upstream.publish(subdir: "noarch", records)
        records["b-1.0-0.conda"] = upstream.addPackage(subdir: "noarch", filename: "b-1.0-0.conda")
        let withB = try FakeUpstream.repodata(subdir: "noarch", records)
        try await upstream.serve { url in
            let channel = try await f.channel("main")
            let mirror = try await f.mirror(channel, url: url)
            _ = try await f.run(mirror)
            _ = try await f.database.setFrozen(channelID: channel.id!, frozen: true, by: .system)

            upstream.set("noarch/repodata.json", withB)
            #expect(try await f.run(mirror).status == "completed")
            #expect(MirrorFixture.filenames(try await f.served(channel, "noarch")) == ["a-1.0-0.conda"])

            _ = try await f.database.setFrozen(channelID: channel.id!, frozen: false, by: .system)
            #expect(MirrorFixture.filenames(try await f.served(channel, "noarch")) == ["a-1.0-0.conda", "b-1.0-0.conda"])
        }
    }

    @Test func theFirstMirrorWinsADuplicateFilename() async throws {
        let f = try await MirrorFixture()
        let one = FakeUpstream(), two = FakeUpstream()
        try one.publish(subdir: "noarch", ["same-1.0-0.conda": one.addPackage(subdir: "noarch", filename: "same-1.0-0.conda")])
        try two.publish(subdir: "noarch", ["same-1.0-0.conda": two.addPackage(subdir: "noarch", filename: "same-1.0-0.conda")])
        try await one.serve { url1 in
            try await two.serve { url2 in
                let channel = try await f.channel("main")
                let first = try await f.mirror(channel, url: url1, name: "first")
                let second = try await f.mirror(channel, url: url2, name: "second")
                _ = try await f.run(first)
                let run = try await f.run(second)
                let filtered = try await f.database.filtered(runID: run.id!)
                #expect(filtered.map(\.reason) == ["duplicate"])
                #expect(filtered.first?.detail.contains("“first”") == true)
                let package = try await f.database.package(channelID: channel.id!, subdir: "noarch", filename: "same-1.0-0.conda")
                #expect(package?.mirrorID == first.id)
            }
        }
    }

    @Test func passiveRunsStoreTheIndexAndFetchEachFileOnceForConcurrentRequests() async throws {
        let f = try await MirrorFixture()
        let upstream = FakeUpstream()
        let record = upstream.addPackage(subdir: "noarch", filename: "big-1.0-0.conda", size: 400_000)
        var bad = upstream.addPackage(subdir: "noarch", filename: "bad-1.0-0.conda")
        bad["sha256"] = String(repeating: "1", count: 64)
        try upstream.publish(subdir: "noarch", ["big-1.0-0.conda": record, "bad-1.0-0.conda": bad])
        upstream.behave("noarch/big-1.0-0.conda", .delay(.milliseconds(200)))
        try await upstream.serve { url in
            let channel = try await f.channel("main")
            let run = try await f.run(try await f.mirror(channel, url: url, mode: .passive))
            #expect(run.status == "completed")
            #expect(run.downloadedCount == 0)
            #expect(upstream.count("noarch/big-1.0-0.conda") == 0)
            #expect(MirrorFixture.filenames(try await f.served(channel, "noarch")) == ["bad-1.0-0.conda", "big-1.0-0.conda"])

            let passive = PassiveFetcher(parts: f.engine.parts, logger: .init(label: "test"))
            let package = try #require(try await f.database.package(channelID: channel.id!, subdir: "noarch", filename: "big-1.0-0.conda"))
            let digests = try await withThrowingTaskGroup(of: [UInt8].self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let download = try await passive.download(package)
                        var bytes: [UInt8] = []
                        while let chunk = try await download.read(from: Int64(bytes.count)) { bytes += chunk.readableBytesView }
                        return bytes
                    }
                }
                var all: [[UInt8]] = []
                for try await bytes in group { all.append(bytes) }
                return all
            }
            #expect(digests.count == 8)
            #expect(Set(digests.map(\.count)) == [400_000])
            #expect(upstream.count("noarch/big-1.0-0.conda") == 1)
            #expect(await passive.started == 1)
            #expect(await f.blobs.contains(sha256: package.sha256!))

            // A file that fails verification ends the stream with an error and is not stored.
            let badPackage = try #require(try await f.database.package(channelID: channel.id!, subdir: "noarch", filename: "bad-1.0-0.conda"))
            let download = try await passive.download(badPackage)
            await #expect(throws: PassiveFetchError.self) {
                var offset: Int64 = 0
                while let chunk = try await download.read(from: offset) { offset += Int64(chunk.readableBytes) }
            }
            #expect(await f.blobs.contains(sha256: String(repeating: "1", count: 64)) == false)
            #expect(try await f.database.package(channelID: channel.id!, subdir: "noarch", filename: "bad-1.0-0.conda")?.blobSHA256 == nil)
        }
    }

    @Test func endlessResponsesAreCutOff() async throws {
        let f = try await MirrorFixture()
        let upstream = FakeUpstream()
        try upstream.publish(subdir: "noarch", ["forever-1.0-0.conda": upstream.addPackage(subdir: "noarch", filename: "forever-1.0-0.conda")])
        upstream.behave("noarch/forever-1.0-0.conda", .endless)
        upstream.set("linux-64/repodata.json", [])
        upstream.behave("linux-64/repodata.json", .endless)
        try await upstream.serve { url in
            let channel = try await f.channel("main")
            let clock = ContinuousClock()
            let start = clock.now
            let run = try await f.run(try await f.mirror(channel, url: url, subdirs: ["noarch", "linux-64"]))
            #expect(clock.now - start < .seconds(30))
            #expect(run.status == "failed")
            #expect(run.error?.contains("linux-64") == true)
            let filtered = try await f.database.filtered(runID: run.id!)
            #expect(filtered.map(\.filename) == ["forever-1.0-0.conda"])
            #expect(filtered.first?.detail.contains("more than the 3000 bytes") == true)
            #expect(MirrorFixture.filenames(try await f.served(channel, "noarch")) == [])
        }
    }

    @Test func zstdIndexesArePreferred() async throws {
        let f = try await MirrorFixture()
        let upstream = FakeUpstream()
        try upstream.publish(subdir: "noarch", ["a-1.0-0.conda": upstream.addPackage(subdir: "noarch", filename: "a-1.0-0.conda")])
        let json = upstream.state.withLockedValue { $0.files["noarch/repodata.json"]! }
        upstream.set("noarch/repodata.json.zst", try Zstd.compress(json))
        try await upstream.serve { url in
            let channel = try await f.channel("main")
            #expect(try await f.run(try await f.mirror(channel, url: url)).status == "completed")
            #expect(upstream.count("noarch/repodata.json.zst") == 1)
            #expect(upstream.count("noarch/repodata.json") == 0)
            #expect(MirrorFixture.filenames(try await f.served(channel, "noarch")) == ["a-1.0-0.conda"])
        }
    }

    @Test func aMissingSubdirFailsClearlyButNoarchMayBeAbsent() async throws {
        let f = try await MirrorFixture()
        let upstream = FakeUpstream()
        try upstream.publish(subdir: "linux-64", ["t-1.0-0.conda": upstream.addPackage(subdir: "linux-64", filename: "t-1.0-0.conda")])
        try await upstream.serve { url in
            let channel = try await f.channel("main")
            let ok = try await f.run(try await f.mirror(channel, url: url, subdirs: ["noarch", "linux-64"]))
            #expect(ok.status == "completed")
            #expect(MirrorFixture.filenames(try await f.served(channel, "noarch")) == [])
            let other = try await f.channel("other")
            let missing = try await f.run(try await f.mirror(other, url: url, subdirs: ["osx-arm64"]))
            #expect(missing.status == "failed")
            #expect(missing.error == "osx-arm64: osx-arm64/repodata.json was not found upstream")
        }
    }
}

@Suite struct CompressionTests {
    @Test func zstdRoundTripsAndRefusesBombsAndTruncation() throws {
        let input = Array(String(repeating: "repodata ", count: 10_000).utf8)
        let compressed = try Zstd.compress(input)
        #expect(compressed.count < input.count / 10)
        #expect(try Zstd.decompress(compressed, limit: 1 << 20) == input)
        #expect(throws: Zstd.Failure.tooLarge(limit: 1000)) { try Zstd.decompress(compressed, limit: 1000) }
        #expect(throws: (any Error).self) { try Zstd.decompress(Array(compressed.prefix(compressed.count / 2)), limit: 1 << 20) }
        #expect(throws: (any Error).self) { try Zstd.decompress(Array("not zstd".utf8), limit: 1 << 20) }
    }

    @Test func bzip2WritesWhatBzip2Reads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let input = dir.appendingPathComponent("in.json"), output = dir.appendingPathComponent("in.json.bz2")
        let text = String(repeating: "{\"a\": 1}\n", count: 50_000)
        try Data(text.utf8).write(to: input)
        try Bzip2.compressFile(input: input, output: output)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "bzip2 -dc '\(output.path)'"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(String(decoding: data, as: UTF8.self) == text)
    }
}

@Suite struct GzipTests {
    @Test func roundTripsAndRefusesTruncationAndBombs() throws {
        let input = Array(String(repeating: "Package: a\nVersion: 1.0\n\n", count: 5_000).utf8)
        let compressed = try Gzip.compress(input)
        #expect(compressed.prefix(2) == [0x1f, 0x8b])
        #expect(try Gzip.decompress(compressed, limit: 1 << 20) == input)
        #expect(throws: Gzip.Failure.tooLarge(limit: 100)) { try Gzip.decompress(compressed, limit: 100) }
        #expect(throws: (any Error).self) { try Gzip.decompress(Array(compressed.prefix(compressed.count / 2)), limit: 1 << 20) }
        #expect(throws: (any Error).self) { try Gzip.decompress(Array("plain".utf8), limit: 1 << 20) }
    }
}
