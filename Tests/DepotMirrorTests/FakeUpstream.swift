import Crypto
import DepotCore
import DepotStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import NIOCore

@testable import DepotMirror

/// An upstream conda channel served over loopback HTTP by a real server, with knobs for bad behaviour.
final class FakeUpstream: Sendable {
    enum Behaviour: Sendable {
        case status(Int)
        /// Sends a Content-Length larger than the body, then closes.
        case truncated
        case wrongBytes
        case delay(Duration)
        /// Keeps sending bytes forever.
        case endless
        /// Answers with this Content-Type.
        case contentType(String)
    }

    struct State {
        var files: [String: [UInt8]] = [:]
        var behaviours: [String: Behaviour] = [:]
        var counts: [String: Int] = [:]
        var etags: [String: String] = [:]
        var conditionalHits = 0
    }

    let state = NIOLockedValueBox(State())

    func set(_ path: String, _ bytes: [UInt8]) { state.withLockedValue { $0.files[path] = bytes } }
    func remove(_ path: String) { state.withLockedValue { $0.files[path] = nil } }
    func behave(_ path: String, _ behaviour: Behaviour?) { state.withLockedValue { $0.behaviours[path] = behaviour } }
    func count(_ path: String) -> Int { state.withLockedValue { $0.counts[path] ?? 0 } }
    var conditionalHits: Int { state.withLockedValue { $0.conditionalHits } }

    /// Adds a package with random bytes and answers its record fields.
    @discardableResult
    func addPackage(subdir: String, filename: String, size: Int = 3000, depends: [String] = []) -> [String: Any] {
        let bytes = (0..<size).map { _ in UInt8.random(in: 0...255) }
        set("\(subdir)/\(filename)", bytes)
        let stem = filename.replacingOccurrences(of: ".tar.bz2", with: "").replacingOccurrences(of: ".conda", with: "")
        let parts = stem.split(separator: "-")
        return [
            "name": parts.dropLast(2).joined(separator: "-"), "version": String(parts[parts.count - 2]), "build": String(parts.last!),
            "build_number": 0, "depends": depends, "subdir": subdir, "size": size,
            "sha256": SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined(),
            "md5": Insecure.MD5.hash(data: bytes).map { String(format: "%02x", $0) }.joined(),
        ]
    }

    /// Writes `subdir/repodata.json` listing `records`.
    func publish(subdir: String, _ records: [String: [String: Any]]) throws {
        set("\(subdir)/repodata.json", try Self.repodata(subdir: subdir, records))
    }

    static func repodata(subdir: String, _ records: [String: [String: Any]]) throws -> [UInt8] {
        var packages: [String: Any] = [:], conda: [String: Any] = [:]
        for (name, record) in records {
            if name.hasSuffix(".conda") { conda[name] = record } else { packages[name] = record }
        }
        let json = try JSONSerialization.data(
            withJSONObject: ["info": ["subdir": subdir], "packages": packages, "packages.conda": conda, "repodata_version": 1],
            options: [.sortedKeys])
        return [UInt8](json)
    }

    func respond(_ request: Request) async throws -> Response {
        let path = String(request.uri.path.dropFirst())
        let (bytes, behaviour, etag) = state.withLockedValue { state -> ([UInt8]?, Behaviour?, String?) in
            state.counts[path, default: 0] += 1
            return (state.files[path], state.behaviours[path], state.files[path].map { "\"\(SHA256.hash(data: $0).prefix(8).map { String(format: "%02x", $0) }.joined())\"" })
        }
        switch behaviour {
        case .status(let code)?: return Response(status: .init(code: code))
        case .delay(let duration)?: try await Task.sleep(for: duration)
        default: break
        }
        guard var bytes else { return Response(status: .notFound) }
        if let etag, request.headers[.ifNoneMatch] == etag {
            state.withLockedValue { $0.conditionalHits += 1 }
            return Response(status: .notModified, headers: [.eTag: etag])
        }
        if case .wrongBytes? = behaviour { bytes = bytes.map { $0 ^ 0xFF } }
        if case .endless? = behaviour {
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: ResponseBody { writer in
                let chunk = ByteBuffer(repeating: UInt8(ascii: " "), count: 64 * 1024)
                while !Task.isCancelled { try await writer.write(chunk) }
            })
        }
        var headers: HTTPFields = [.contentType: "application/octet-stream"]
        if case .contentType(let type)? = behaviour { headers[.contentType] = type }
        if let etag { headers[.eTag] = etag }
        if case .truncated? = behaviour {
            headers[.contentLength] = String(bytes.count)
            let half = Array(bytes.prefix(bytes.count / 2))
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(bytes: half))
                throw CancellationError()
            })
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Serves until `body` returns; answers body's value.
    func serve<T: Sendable>(_ body: @escaping @Sendable (_ url: String) async throws -> T) async throws -> T {
        let router = Router()
        router.get("**") { request, _ in try await self.respond(request) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        let result = NIOLockedValueBox<T?>(nil)
        try await app.test(.live) { client in
            let value = try await body("http://127.0.0.1:\(client.port!)")
            result.withLockedValue { $0 = value }
        }
        return result.withLockedValue { $0! }
    }
}

/// A mirror engine on a fresh database and blob store.
struct MirrorFixture {
    let directory: URL
    let database: AppDatabase
    let blobs: FileBlobStore
    let engine: MirrorEngine
    let org: OrgRecord

    /// One client for all tests: AsyncHTTPClient must be shut down before it is released, and a static never is.
    static let client: UpstreamClient = {
        var settings = UpstreamClient.Settings()
        settings.backoff = .milliseconds(10)
        settings.readTimeout = .seconds(2)
        settings.indexDeadline = .seconds(2)
        return UpstreamClient(settings: settings)
    }()

    init(concurrency: Int = 4) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("depot-mirror-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        database = try AppDatabase.open(path: directory.appendingPathComponent("depot.sqlite").path)
        blobs = try FileBlobStore(root: directory.appendingPathComponent("blobs"))
        engine = MirrorEngine(
            database: database, blobs: blobs, indexRoot: directory.appendingPathComponent("indexes"),
            logger: Logger(label: "test"), downloadConcurrency: concurrency, client: Self.client)
        org = try await database.createOrg(name: "acme", by: .system)
    }

    func channel(_ name: String) async throws -> ChannelRecord {
        try await database.createChannel(org: org.id!, parent: nil, input: ChannelInput(name: name, description: "", privacy: "public"), by: .system)
    }

    func mirror(_ channel: ChannelRecord, url: String, mode: MirrorMode = .active, subdirs: [String] = ["noarch"], name: String = "up") async throws -> MirrorRecord {
        try await database.createMirror(
            MirrorRecord(channelID: channel.id!, name: name, type: "conda", mode: mode.rawValue, sourceURL: url, subdirs: subdirs, cron: "0 0 1 * *"),
            by: .system)
    }

    /// Queues a run, starts it and waits for it to end.
    func run(_ mirror: MirrorRecord) async throws -> RunRecord {
        let run = try await engine.enqueue(mirrorID: mirror.id!, trigger: "test")
        await engine.pump()
        for _ in 0..<600 {
            if let current = try await database.run(id: run.id!), !RunStatus(rawValue: current.status)!.isActive { return current }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw RunFailure("run did not finish")
    }

    /// The served repodata of a channel's subdir, parsed.
    func served(_ channel: ChannelRecord, _ subdir: String) async throws -> [String: Any] {
        let file = try #require(try await engine.parts.publisher.servedFile(channelID: channel.id!, subdir: subdir, name: "repodata.json"))
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file.url)) as? [String: Any])
    }

    static func filenames(_ repodata: [String: Any]) -> [String] {
        (Array(((repodata["packages"] as? [String: Any]) ?? [:]).keys) + Array(((repodata["packages.conda"] as? [String: Any]) ?? [:]).keys)).sorted()
    }
}

import Testing
