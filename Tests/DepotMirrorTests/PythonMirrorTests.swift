import Crypto
import DepotCore
import DepotStore
import Foundation
import Testing
import ZIPFoundation

@testable import DepotMirror

@Suite struct PythonMirrorTests {
    static func sha(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    /// A PEP 503 upstream: `simple/` lists projects, `simple/<p>/` links files under `files/`.
    static func upstream(_ projects: [String: [(name: String, bytes: [UInt8], hash: Bool)]], extraLinks: [String: String] = [:]) -> FakeUpstream {
        let upstream = FakeUpstream()
        upstream.set("simple/", Array(("<html><body>" + projects.keys.sorted().map { "<a href=\"\($0)/\">\($0)</a>" }.joined() + "</body></html>").utf8))
        for (project, files) in projects {
            var links = ""
            for file in files {
                upstream.set("files/\(file.name)", file.bytes)
                links += "<a href=\"../../files/\(file.name)\(file.hash ? "#sha256=\(sha(file.bytes))" : "")\">\(file.name)</a>\n"
            }
            links += extraLinks[project] ?? ""
            upstream.set("simple/\(project)/", Array("<html><body>\(links)</body></html>".utf8))
        }
        return upstream
    }

    static func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255) } }

    func makeMirror(_ f: MirrorFixture, _ channel: ChannelRecord, url: String, mode: MirrorMode = .active, exclude: String = "", include: String = "") async throws -> MirrorRecord {
        var record = MirrorRecord(channelID: channel.id!, name: "pypi", type: "python", mode: mode.rawValue, sourceURL: url + "/simple", subdirs: [], cron: "0 0 1 * *")
        record.exclude = exclude
        record.include = include
        return try await f.database.createMirror(record, by: .system)
    }

    @Test func filtersByPatternKeepsPythonFilesAndRecordsReasons() async throws {
        let f = try await MirrorFixture()
        let good = Self.bytes(2000), sdist = Self.bytes(1500), unhashed = Self.bytes(900)
        var bad = Self.bytes(800)
        let upstream = Self.upstream([
            "alpha": [("alpha-1.0-py3-none-any.whl", good, true), ("alpha-1.0.tar.gz", sdist, true), ("notes.txt", Self.bytes(10), true)],
            "pandas": [("pandas-2.0-py3-none-any.whl", Self.bytes(100), true)],
            "python-dateutil": [("python_dateutil-2.9-py3-none-any.whl", unhashed, false)],
            "broken": [("broken-1.0-py3-none-any.whl", bad, true)],
        ], extraLinks: ["alpha": "<a href=\"../../files/..%2Fescape-1.0.tar.gz\">x</a>"])
        // The index promises bytes the file host does not send.
        bad[0] ^= 0xFF
        upstream.set("files/broken-1.0-py3-none-any.whl", bad)

        try await upstream.serve { url in
            let channel = try await f.channel("py")
            let mirror = try await makeMirror(f, channel, url: url, exclude: "p*", include: "python-dateutil")
            let run = try await f.run(mirror)
            #expect(run.status == "completed")
            let projects = try await f.database.pythonProjects(channelID: channel.id!).map(\.normalized)
            #expect(projects == ["alpha", "python-dateutil"])
            let reasons = Dictionary(grouping: try await f.database.filtered(runID: run.id!), by: \.reason).mapValues { $0.map(\.filename).sorted() }
            #expect(reasons["excluded"] == ["pandas"])
            #expect(reasons["not_python_package"] == ["notes.txt"])
            #expect(reasons["invalid_filename"] == ["../escape-1.0.tar.gz"])
            #expect(reasons["hash_mismatch"] == ["broken-1.0-py3-none-any.whl"])

            let alpha = try await f.database.pythonFiles(channelID: channel.id!, project: "alpha")
            #expect(alpha.map(\.filename) == ["alpha-1.0-py3-none-any.whl", "alpha-1.0.tar.gz"])
            #expect(alpha.allSatisfy { $0.blobSHA256 != nil })
            // A file without an upstream hash is hashed by Depot and marked unverified.
            let dateutil = try #require(try await f.database.pythonFile(channelID: channel.id!, filename: "python_dateutil-2.9-py3-none-any.whl"))
            #expect(dateutil.blobSHA256 == Self.sha(unhashed))
            #expect(try StoredPythonFile.parse(dateutil.record).unverified)

            // Excluding a project later removes it.
            _ = try await f.database.updateMirror(id: mirror.id!, name: "pypi", sourceURL: nil, subdirs: [], cron: "0 0 1 * *", nextRunAt: nil, exclude: "p*", include: "", by: .system)
            #expect(try await f.run(try #require(try await f.database.mirror(id: mirror.id!))).status == "completed")
            #expect(try await f.database.pythonProjects(channelID: channel.id!).map(\.normalized) == ["alpha"])
        }
    }

    @Test func selectiveMirrorsFetchOnlyTheIncludedProjectsAndAreIncremental() async throws {
        let f = try await MirrorFixture()
        let upstream = Self.upstream(["wanted": [("wanted-1.0-py3-none-any.whl", Self.bytes(500), true)], "other": [("other-1.0.tar.gz", Self.bytes(500), true)]])
        try await upstream.serve { url in
            let channel = try await f.channel("py")
            let mirror = try await makeMirror(f, channel, url: url, exclude: "*", include: "Wanted")
            #expect(try await f.run(mirror).status == "completed")
            #expect(upstream.count("simple/") == 0)
            #expect(upstream.count("simple/other/") == 0)
            #expect(try await f.database.pythonProjects(channelID: channel.id!).map(\.normalized) == ["wanted"])
            // Unchanged pages answer 304 the second time; nothing is downloaded again.
            let again = try await f.run(mirror)
            #expect(again.downloadedCount == 0)
            #expect(upstream.conditionalHits >= 1)
            #expect(upstream.count("files/wanted-1.0-py3-none-any.whl") == 1)
        }
    }

    /// A real zip with `<name>.dist-info/METADATA`.
    static func wheel(metadata: String) throws -> [UInt8] {
        let archive = try Archive(accessMode: .create)
        let body = Data(metadata.utf8)
        try archive.addEntry(with: "demo-1.0.dist-info/METADATA", type: .file, uncompressedSize: Int64(body.count), compressionMethod: .deflate) { position, size in
            body.subdata(in: Int(position)..<Int(position) + size)
        }
        try archive.addEntry(with: "demo/__init__.py", type: .file, uncompressedSize: Int64(0), compressionMethod: .none) { (_: Int64, _: Int) in Data() }
        return [UInt8](try #require(archive.data))
    }

    @Test func coreMetadataIsReadFromWheelsWhenTheUpstreamHasNone() async throws {
        let f = try await MirrorFixture()
        let metadata = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: other>=1\n"
        let upstream = Self.upstream(["demo": [("demo-1.0-py3-none-any.whl", try Self.wheel(metadata: metadata), true)]])
        try await upstream.serve { url in
            let channel = try await f.channel("py")
            #expect(try await f.run(try await makeMirror(f, channel, url: url)).status == "completed")
            let file = try #require(try await f.database.pythonFile(channelID: channel.id!, filename: "demo-1.0-py3-none-any.whl"))
            let sha = try #require(try StoredPythonFile.parse(file.record).metadataSHA256)
            let stored = try #require(await f.blobs.fileURL(sha256: sha))
            #expect(try String(contentsOf: stored, encoding: .utf8) == metadata)
        }
    }

    @Test func passiveMirrorsStoreOnlyTheIndex() async throws {
        let f = try await MirrorFixture()
        let upstream = Self.upstream(["lazy": [("lazy-1.0-py3-none-any.whl", Self.bytes(700), true)]])
        try await upstream.serve { url in
            let channel = try await f.channel("py")
            let run = try await f.run(try await makeMirror(f, channel, url: url, mode: .passive))
            #expect(run.status == "completed")
            #expect(upstream.count("files/lazy-1.0-py3-none-any.whl") == 0)
            let file = try #require(try await f.database.pythonFile(channelID: channel.id!, filename: "lazy-1.0-py3-none-any.whl"))
            #expect(file.blobSHA256 == nil)
            #expect(file.mode == "passive")
        }
    }

    @Test func aMalformedProjectPageIsReportedAndKeepsWhatWasThere() async throws {
        let f = try await MirrorFixture()
        let upstream = Self.upstream(["alpha": [("alpha-1.0.tar.gz", Self.bytes(300), true)]])
        try await upstream.serve { url in
            let channel = try await f.channel("py")
            let mirror = try await makeMirror(f, channel, url: url)
            #expect(try await f.run(mirror).status == "completed")
            upstream.set("simple/alpha/", Array("{\"meta\": ".utf8))
            upstream.behave("simple/alpha/", .contentType("application/vnd.pypi.simple.v1+json"))
            let failing = try await f.run(mirror)
            #expect(failing.status == "failed")
            #expect(failing.error?.contains("alpha: the project page is malformed") == true)
            #expect(try await f.database.pythonFiles(channelID: channel.id!, project: "alpha").count == 1)
            let reasons = try await f.database.filtered(runID: failing.id!).map(\.reason)
            #expect(reasons == ["upstream_error"])
        }
    }
}
