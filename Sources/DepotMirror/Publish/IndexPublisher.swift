import Crypto
import DepotCore
import DepotStore
import Foundation
import Logging

/// Writes a channel's conda index files — `repodata.json`, `.zst` (and `.bz2` on demand), `channeldata.json` —
/// into a fresh generation folder, fsyncs them, then switches the database pointer in one transaction,
/// so readers see the old index or the new one, never a mix.
public struct IndexPublisher: Sendable {
    public let database: AppDatabase
    /// `data/indexes`.
    public let root: URL

    public init(database: AppDatabase, root: URL) {
        self.database = database
        self.root = root
    }

    public static let channeldataSubdir = ""

    public func directory(channelID: Int64, subdir: String, generation: String) -> URL {
        root.appendingPathComponent("\(channelID)/\(subdir.isEmpty ? "_channel" : subdir)/\(generation)")
    }

    static func newGeneration() -> String {
        let millis = Int64(Date().timeIntervalSince1970 * 1000)
        return "\(millis)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Publishes one subdir from the packages table; answers the new ETag. Publishes of one subdir are serialized,
    /// so an index built from an older read can never replace a newer one.
    @discardableResult
    public func publish(channelID: Int64, subdir: String) async throws -> String {
        try await PublishLocks.shared.withLock("\(channelID)/\(subdir)") {
            try await publishLocked(channelID: channelID, subdir: subdir)
        }
    }

    private func publishLocked(channelID: Int64, subdir: String) async throws -> String {
        let generation = Self.newGeneration()
        let dir = directory(channelID: channelID, subdir: subdir, generation: generation)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        do {
            let json = try FileSink(dir.appendingPathComponent("repodata.json"))
            let zst = try FileSink(dir.appendingPathComponent("repodata.json.zst"))
            let compressor = try Zstd.Compressor(level: 3, workers: 2)
            var sha = SHA256()
            var writer = RepodataWriter(subdir: subdir)
            func emit(_ bytes: [UInt8]) throws {
                sha.update(data: bytes)
                try json.write(bytes)
                try zst.write(try compressor.compress(bytes))
            }
            try database.forEachPackage(channelID: channelID, subdir: subdir) { filename, record in
                guard let format = CondaFormat.of(filename) else { return }
                if let chunk = writer.add(filename: filename, record: record, section: format.section) { try emit(chunk) }
            }
            try emit(writer.finish())
            try zst.write(try compressor.finish())
            try json.close()
            try zst.close()
            let etag = sha.finalize().hex
            let stale = try await database.publishIndex(channelID: channelID, subdir: subdir, generation: generation, etag: etag)
            removeGenerations(channelID: channelID, subdir: subdir, stale)
            return etag
        } catch {
            try? FileManager.default.removeItem(at: dir)
            throw error
        }
    }

    /// Publishes `channeldata.json`: every package name with its subdirs and latest version.
    @discardableResult
    public func publishChanneldata(channelID: Int64) async throws -> String {
        try await PublishLocks.shared.withLock("\(channelID)/") { try await publishChanneldataLocked(channelID: channelID) }
    }

    private func publishChanneldataLocked(channelID: Int64) async throws -> String {
        let subdirs = Set(try await database.subdirs(channelID: channelID) + ["noarch"]).sorted()
        var packages: [String: (subdirs: Set<String>, version: String, versions: [String])] = [:]
        for row in try await database.packageVersions(channelID: channelID) {
            var entry = packages[row.name] ?? ([], row.version, [])
            entry.subdirs.insert(row.subdir)
            entry.versions.append(row.version)
            packages[row.name] = entry
        }
        var body: [String: Any] = ["channeldata_version": 1, "subdirs": subdirs]
        var packageJSON: [String: Any] = [:]
        for (name, entry) in packages {
            let latest = VersionOrder.max(Set(entry.versions)) ?? entry.version
            packageJSON[name] = ["subdirs": entry.subdirs.sorted(), "version": latest]
        }
        body["packages"] = packageJSON
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        let generation = Self.newGeneration()
        let dir = directory(channelID: channelID, subdir: Self.channeldataSubdir, generation: generation)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let sink = try FileSink(dir.appendingPathComponent("channeldata.json"))
        try sink.write([UInt8](data))
        try sink.close()
        let etag = SHA256.hash(data: data).hex
        let stale = try await database.publishIndex(channelID: channelID, subdir: Self.channeldataSubdir, generation: generation, etag: etag)
        removeGenerations(channelID: channelID, subdir: Self.channeldataSubdir, stale)
        return etag
    }

    /// Removes the generations just replaced, and any other folder of the subdir that the database no longer
    /// points at (left by an unfreeze, or by a crash between writing and switching).
    func removeGenerations(channelID: Int64, subdir: String, _ generations: [String]) {
        let fm = FileManager.default
        for generation in generations {
            try? fm.removeItem(at: directory(channelID: channelID, subdir: subdir, generation: generation))
        }
        let parent = directory(channelID: channelID, subdir: subdir, generation: "x").deletingLastPathComponent()
        guard let index = try? database.reader.read({ db in try IndexRecord.fetchOne(db, key: ["channelID": channelID, "subdir": subdir]) }),
              let names = try? fm.contentsOfDirectory(atPath: parent.path)
        else { return }
        let keep: Set<String> = [index.liveGeneration, index.servedGeneration]
        for name in names where !keep.contains(name) {
            let url = parent.appendingPathComponent(name)
            let created = (try? fm.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? Date()
            if Date().timeIntervalSince(created) > 60 { try? fm.removeItem(at: url) }
        }
    }

    /// The served index file for a subdir (`repodata.json`, `repodata.json.zst`, `repodata.json.bz2`) or the
    /// channel's `channeldata.json`; `.bz2` is made on first request.
    public func servedFile(channelID: Int64, subdir: String, name: String) async throws -> (url: URL, index: IndexRecord)? {
        guard let index = try await database.servedIndex(channelID: channelID, subdir: subdir) else { return nil }
        let dir = directory(channelID: channelID, subdir: subdir, generation: index.servedGeneration)
        let url = dir.appendingPathComponent(name)
        if name == "repodata.json.bz2", !FileManager.default.fileExists(atPath: url.path) {
            try await Bzip2Maker.shared.make(from: dir.appendingPathComponent("repodata.json"), to: url)
        }
        return FileManager.default.fileExists(atPath: url.path) ? (url, index) : nil
    }
}

/// One publish at a time per key, across the process.
actor PublishLocks {
    static let shared = PublishLocks()
    private var tails: [String: Task<Void, Never>] = [:]

    func withLock<T: Sendable>(_ key: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = tails[key]
        let task = Task<T, any Error> {
            await previous?.value
            return try await body()
        }
        let tail = Task<Void, Never> { _ = try? await task.value }
        tails[key] = tail
        defer { if tails[key] == tail { tails[key] = nil } }
        return try await task.value
    }
}

/// Makes `.bz2` files once, however many requests ask at the same time.
actor Bzip2Maker {
    static let shared = Bzip2Maker()
    private var inflight: [String: Task<Void, any Error>] = [:]

    func make(from source: URL, to target: URL) async throws {
        if let task = inflight[target.path] { return try await task.value }
        let task = Task.detached {
            let temp = target.appendingPathExtension("part")
            do {
                try Bzip2.compressFile(input: source, output: temp)
                guard rename(temp.path, target.path) == 0 else { throw UpstreamError.io("cannot move \(target.lastPathComponent) into place") }
            } catch {
                try? FileManager.default.removeItem(at: temp)
                throw error
            }
        }
        inflight[target.path] = task
        defer { inflight[target.path] = nil }
        try await task.value
    }
}

/// A file written in chunks and fsynced on close.
final class FileSink {
    let handle: FileHandle

    init(_ url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil), let handle = FileHandle(forWritingAtPath: url.path) else {
            throw UpstreamError.io("cannot create \(url.lastPathComponent)")
        }
        self.handle = handle
    }

    func write(_ bytes: [UInt8]) throws {
        if !bytes.isEmpty { try handle.write(contentsOf: bytes) }
    }

    func close() throws {
        try handle.synchronize()
        try handle.close()
    }
}
