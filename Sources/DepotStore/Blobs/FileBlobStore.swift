import Foundation

/// Blobs under `root/sha256/ab/cd/abcd…`, written to `root/tmp` first, fsynced, then renamed into place,
/// so a reader never sees a partial file.
public struct FileBlobStore: BlobStore {
    public let root: URL

    public init(root: URL) throws {
        self.root = root
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("sha256"), withIntermediateDirectories: true)
        try fm.createDirectory(at: tmpDirectory, withIntermediateDirectories: true)
    }

    var tmpDirectory: URL { root.appendingPathComponent("tmp") }

    static func isDigest(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    func path(for sha256: String) throws -> URL {
        guard Self.isDigest(sha256) else { throw BlobStoreError.badDigest(sha256) }
        let a = sha256.prefix(2), b = sha256.dropFirst(2).prefix(2)
        return root.appendingPathComponent("sha256/\(a)/\(b)/\(sha256)")
    }

    public func contains(sha256: String) async -> Bool {
        guard let url = try? path(for: sha256) else { return false }
        return FileManager.default.fileExists(atPath: url.path)
    }

    public func fileURL(sha256: String) async -> URL? {
        await contains(sha256: sha256) ? try? path(for: sha256) : nil
    }

    public func adopt(temporaryFile: URL, sha256: String) async throws {
        try move(temporaryFile, sha256: sha256, sync: true)
    }

    public func adoptDeferringFlush(temporaryFile: URL, sha256: String) async throws {
        try move(temporaryFile, sha256: sha256, sync: false)
    }

    /// One `syncfs` for the whole store: cheaper than an fsync per file when a run stores thousands.
    public func flush() async throws {
        let fd = open(root.path, O_RDONLY)
        guard fd >= 0 else { throw BlobStoreError.io("cannot open the blob store") }
        defer { close(fd) }
        #if os(Linux)
        guard depot_syncfs(fd) == 0 else { throw BlobStoreError.io("syncfs failed for the blob store") }
        #else
        sync()
        #endif
    }

    func move(_ temporaryFile: URL, sha256: String, sync: Bool) throws {
        let destination = try path(for: sha256)
        let fm = FileManager.default
        // Two plain mkdirs: FileManager's recursive create costs more than the download of a small file.
        let parent = destination.deletingLastPathComponent()
        for dir in [parent.deletingLastPathComponent().path, parent.path] where mkdir(dir, 0o755) != 0 && errno != EEXIST {
            throw BlobStoreError.io("cannot create \(dir)")
        }
        if sync {
            let fd = open(temporaryFile.path, O_RDONLY)
            guard fd >= 0 else { throw BlobStoreError.io("cannot open \(temporaryFile.lastPathComponent)") }
            let synced = fsync(fd)
            close(fd)
            guard synced == 0 else { throw BlobStoreError.io("fsync failed for \(temporaryFile.lastPathComponent)") }
        }
        if rename(temporaryFile.path, destination.path) != 0 {
            try? fm.removeItem(at: temporaryFile)
            throw BlobStoreError.io("cannot move blob \(sha256) into place")
        }
    }

    public func remove(sha256: String) async throws {
        let url = try path(for: sha256)
        if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
    }

    public func temporaryFileURL() -> URL {
        tmpDirectory.appendingPathComponent(UUID().uuidString + ".part")
    }

    /// Removes leftovers of downloads that a crash interrupted; call at start.
    public func removeTemporaryFiles() throws {
        let fm = FileManager.default
        for name in try fm.contentsOfDirectory(atPath: tmpDirectory.path) {
            try fm.removeItem(at: tmpDirectory.appendingPathComponent(name))
        }
    }
}

public enum BlobStoreError: Error, Equatable {
    case badDigest(String)
    case io(String)
}

#if os(Linux)
/// glibc's `syncfs(2)`, which Swift's Glibc module does not export (it needs _GNU_SOURCE).
@_silgen_name("syncfs")
private func depot_syncfs(_ fd: Int32) -> Int32
#endif
