import Crypto
import DepotCore
import DepotMirror
import DepotStore
import Foundation
import GRDB
import Hummingbird
import Logging

/// `make bench`: prints the figures the speed targets are set against (docs: ../shared/TARGETS.md).
@main
struct Bench {
    static func main() async throws {
        let args = CommandLine.arguments
        let records = Int(value(of: "--records", in: args) ?? "") ?? 465_000
        let packages = Int(value(of: "--packages", in: args) ?? "") ?? 2_000
        let only = value(of: "--only", in: args)
        if only == nil || only == "publish" { try await publish(records: records) }
        if only == nil || only == "sync" { try await sync(packages: packages) }
        if only == nil || only == "passive-index" { try await passiveIndex(records: records) }
        if only == nil || only == "policy" { try policy(records: records) }
        if only == nil || only == "python-index" {
            try await pythonIndex(projects: Int(value(of: "--projects", in: args) ?? "") ?? 5_000)
        }
    }

    static func value(of flag: String, in args: [String]) -> String? {
        args.firstIndex(of: flag).flatMap { args.indices.contains($0 + 1) ? args[$0 + 1] : nil }
    }

    static func peakRSSMB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    static func currentRSSMB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    struct World {
        let dir: URL
        let database: AppDatabase
        let blobs: FileBlobStore
        let engine: MirrorEngine
        let channel: ChannelRecord
    }

    static func world(_ name: String) async throws -> World {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("depot-bench-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let database = try AppDatabase.open(path: dir.appendingPathComponent("depot.sqlite").path)
        let blobs = try FileBlobStore(root: dir.appendingPathComponent("blobs"))
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let engine = MirrorEngine(
            database: database, blobs: blobs, indexRoot: dir.appendingPathComponent("indexes"), logger: logger, downloadConcurrency: 8)
        let org = try await database.createOrg(name: "bench", by: .system)
        let channel = try await database.createChannel(
            org: org.id!, parent: nil, input: ChannelInput(name: "bench", description: "", privacy: "public"), by: .system)
        return World(dir: dir, database: database, blobs: blobs, engine: engine, channel: channel)
    }

    /// A record the shape and size of conda-forge linux-64's (~530 bytes).
    static func record(_ i: Int) -> (filename: String, json: String) {
        let name = "pkg\(i % 25_000)"
        let version = "\(i % 7).\(i % 13).\(i % 5)"
        let build = "py311h\(String(format: "%07x", i))_\(i % 3)"
        let filename = "\(name)-\(version)-\(build)\(i % 3 == 0 ? ".tar.bz2" : ".conda")"
        let sha = String(repeating: String(format: "%08x", i), count: 8)
        let json = #"{"build":"\#(build)","build_number":\#(i % 3),"depends":["libgcc-ng >=12","libstdcxx-ng >=12","python >=3.11,<3.12.0a0","python_abi 3.11.* *_cp311","numpy >=1.23.5,<2.0a0"],"license":"BSD-3-Clause","license_family":"BSD","md5":"\#(String(sha.prefix(32)))","name":"\#(name)","sha256":"\#(sha)","size":\#(100_000 + i),"subdir":"linux-64","timestamp":\#(1_700_000_000_000 + i),"version":"\#(version)"}"#
        return (filename, json)
    }

    // MARK: publish

    static func publish(records: Int) async throws {
        let w = try await world("publish")
        defer { try? FileManager.default.removeItem(at: w.dir) }
        let clock = ContinuousClock()
        let fill = clock.now
        let batch = 20_000
        for start in stride(from: 0, to: records, by: batch) {
            try await w.database.writer.write { db in
                let statement = try db.makeStatement(sql: """
                    INSERT INTO packages (channelID, mirrorID, subdir, filename, name, version, build, size, sha256, md5, record, mode, upstreamURL, blobSHA256, createdAt)
                    VALUES (?, NULL, 'linux-64', ?, ?, '1', 'b', 1, NULL, NULL, ?, 'passive', '', NULL, ?)
                    """)
                let now = Date()
                for i in start..<min(records, start + batch) {
                    let r = record(i)
                    try statement.execute(arguments: [w.channel.id!, r.filename, "pkg\(i % 25_000)", r.json, now])
                }
            }
        }
        let rssBefore = currentRSSMB()
        print(String(format: "publish: stored %d records in %.1f s (not part of the figure)", records, seconds(clock.now - fill)))
        let start = clock.now
        try await w.engine.parts.publisher.publish(channelID: w.channel.id!, subdir: "linux-64")
        let elapsed = seconds(clock.now - start)
        let file = try require(try await w.engine.parts.publisher.servedFile(channelID: w.channel.id!, subdir: "linux-64", name: "repodata.json"))
        let zst = try require(try await w.engine.parts.publisher.servedFile(channelID: w.channel.id!, subdir: "linux-64", name: "repodata.json.zst"))
        let size = (try FileManager.default.attributesOfItem(atPath: file.url.path)[.size] as? NSNumber)?.doubleValue ?? 0
        let zsize = (try FileManager.default.attributesOfItem(atPath: zst.url.path)[.size] as? NSNumber)?.doubleValue ?? 0
        print(String(
            format: "publish: repodata.json + .zst for %d records (%.0f MB, zst %.1f MB) in %.2f s; RSS before %.0f MB, process peak %.0f MB",
            records, size / 1e6, zsize / 1e6, elapsed, rssBefore, peakRSSMB()))
    }

    // MARK: active sync

    static func sync(packages: Int) async throws {
        let w = try await world("sync")
        defer { try? FileManager.default.removeItem(at: w.dir) }
        var files: [String: [UInt8]] = [:]
        var records: [String] = []
        var generator = SplitMix(seed: 42)
        for i in 0..<packages {
            let bytes = (0..<5_500).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let filename = "small\(i)-1.0-0.conda"
            files["noarch/\(filename)"] = bytes
            let sha = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            records.append(#""\#(filename)":{"name":"small\#(i)","version":"1.0","build":"0","build_number":0,"depends":[],"sha256":"\#(sha)","size":\#(bytes.count),"subdir":"noarch"}"#)
        }
        files["noarch/repodata.json"] = Array(#"{"info":{"subdir":"noarch"},"packages":{},"packages.conda":{\#(records.joined(separator: ","))}}"#.utf8)
        let totalBytes = files.filter { $0.key.hasSuffix(".conda") }.values.reduce(0) { $0 + $1.count }
        let served = files
        let router = Router()
        router.get("**") { request, _ -> Response in
            guard let bytes = served[String(request.uri.path.dropFirst())] else { return Response(status: .notFound) }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        var logger = Logger(label: "upstream")
        logger.logLevel = .critical
        let port = 18_000 + Int.random(in: 0..<2_000)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        try await Task.sleep(for: .milliseconds(500))
        defer { server.cancel() }

        let mirror = try await w.database.createMirror(
            MirrorRecord(channelID: w.channel.id!, name: "up", type: "conda", mode: "active", sourceURL: "http://127.0.0.1:\(port)",
                         subdirs: ["noarch"], cron: "0 0 1 * *"), by: .system)
        let clock = ContinuousClock()
        for label in ["first sync", "no-op resync"] {
            let start = clock.now
            let run = try await w.engine.enqueue(mirrorID: mirror.id!, trigger: "bench")
            await w.engine.start()
            while let current = try await w.database.run(id: run.id!), RunStatus(rawValue: current.status)!.isActive {
                try await Task.sleep(for: .milliseconds(2))
            }
            let elapsed = seconds(clock.now - start)
            let finished = try await w.database.run(id: run.id!)!
            print(String(
                format: "sync: %@ of %d packages (%.1f MB): %.3f s, %.0f packages/s, %.1f MB/s, status %@, downloaded %d",
                label, packages, Double(totalBytes) / 1e6, elapsed, Double(packages) / elapsed, Double(finished.downloadedBytes) / 1e6 / elapsed,
                finished.status, finished.downloadedCount))
        }
    }

    // MARK: passive index of a big subdir

    static func passiveIndex(records: Int) async throws {
        let w = try await world("passive")
        defer { try? FileManager.default.removeItem(at: w.dir) }
        var body: [UInt8] = Array(#"{"info":{"subdir":"linux-64"},"packages":{"#.utf8)
        body.reserveCapacity(records * 560)
        for i in 0..<records {
            let r = record(i)
            if i > 0 { body.append(UInt8(ascii: ",")) }
            body += Array("\"\(r.filename)\":\(r.json)".utf8)
        }
        body += Array(#"},"packages.conda":{},"repodata_version":1}"#.utf8)
        let repodata = body
        body = []
        let router = Router()
        router.get("linux-64/repodata.json") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: repodata))) }
        var logger = Logger(label: "upstream")
        logger.logLevel = .critical
        let port = 20_000 + Int.random(in: 0..<2_000)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        try await Task.sleep(for: .milliseconds(500))
        defer { server.cancel() }
        let mirror = try await w.database.createMirror(
            MirrorRecord(channelID: w.channel.id!, name: "up", type: "conda", mode: "passive", sourceURL: "http://127.0.0.1:\(port)",
                         subdirs: ["linux-64"], cron: "0 0 1 * *"), by: .system)
        let rssBefore = currentRSSMB()
        let clock = ContinuousClock()
        let start = clock.now
        let run = try await w.engine.enqueue(mirrorID: mirror.id!, trigger: "bench")
        await w.engine.start()
        while let current = try await w.database.run(id: run.id!), RunStatus(rawValue: current.status)!.isActive {
            try await Task.sleep(for: .milliseconds(20))
        }
        let finished = try await w.database.run(id: run.id!)!
        print(String(
            format: "passive-index: %d records (%.0f MB) fetched, parsed, stored and published in %.2f s, status %@; RSS before %.0f MB, process peak %.0f MB",
            records, Double(repodata.count) / 1e6, seconds(clock.now - start), finished.status, rssBefore, peakRSSMB()))
    }
}

extension Bench {
    /// A passive Std Python mirror of a PEP 503 index of `projects` projects (~1.9 files each) served from memory.
    static func pythonIndex(projects: Int) async throws {
        let w = try await world("python")
        defer { try? FileManager.default.removeItem(at: w.dir) }
        var pages: [String: [UInt8]] = [:]
        var root = "<html><body>"
        var files = 0
        for i in 0..<projects {
            let name = "project-\(i)"
            root += "<a href=\"\(name)/\">\(name)</a>\n"
            var page = "<html><body>"
            for j in 0..<(i % 10 == 0 ? 1 : 2) {
                let filename = j == 0 ? "project_\(i)-1.0-py3-none-any.whl" : "project-\(i)-1.0.tar.gz"
                page += "<a href=\"../../files/\(filename)#sha256=\(String(repeating: String(format: "%08x", i * 2 + j), count: 8))\">\(filename)</a>\n"
                files += 1
            }
            pages["simple/\(name)/"] = Array((page + "</body></html>").utf8)
        }
        pages["simple/"] = Array((root + "</body></html>").utf8)
        let served = pages
        let router = Router()
        router.get("**") { request, _ -> Response in
            guard let bytes = served[String(request.uri.path.dropFirst())] else { return Response(status: .notFound) }
            return Response(status: .ok, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        var logger = Logger(label: "upstream")
        logger.logLevel = .critical
        let port = 22_000 + Int.random(in: 0..<2_000)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        try await Task.sleep(for: .milliseconds(500))
        defer { server.cancel() }
        let mirror = try await w.database.createMirror(
            MirrorRecord(channelID: w.channel.id!, name: "pypi", type: "python", mode: "passive", sourceURL: "http://127.0.0.1:\(port)/simple",
                         subdirs: [], cron: "0 0 1 * *"), by: .system)
        let clock = ContinuousClock()
        for label in ["first run", "second run"] {
            let start = clock.now
            let run = try await w.engine.enqueue(mirrorID: mirror.id!, trigger: "bench")
            await w.engine.start()
            while let current = try await w.database.run(id: run.id!), RunStatus(rawValue: current.status)!.isActive {
                try await Task.sleep(for: .milliseconds(10))
            }
            let elapsed = seconds(clock.now - start)
            let finished = try await w.database.run(id: run.id!)!
            print(String(
                format: "python-index: %@ over %d projects / %d files: %.2f s, %.0f projects/s, status %@",
                label, projects, files, elapsed, Double(projects) / elapsed, finished.status))
        }
    }
}

struct Missing: Error {}
func require<T>(_ value: T?) throws -> T {
    guard let value else { throw Missing() }
    return value
}

/// A fast deterministic generator for fixture bytes.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
