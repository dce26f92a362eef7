import Foundation

/// Content-addressed package storage. The filesystem implementation is the embedded default;
/// an S3-compatible store can implement the same protocol later.
public protocol BlobStore: Sendable {
    /// True when a blob with this sha256 (lowercase hex) is stored.
    func contains(sha256: String) async -> Bool
    /// Moves a fully written, verified temporary file into the store under its digest.
    /// The file disappears from `temporaryFile` whether or not the blob already existed.
    func adopt(temporaryFile: URL, sha256: String) async throws
    /// As `adopt`, but without flushing the file to disk: the caller calls `flush()` once for a batch
    /// before it records the blobs anywhere.
    func adoptDeferringFlush(temporaryFile: URL, sha256: String) async throws
    /// Makes every blob adopted with `adoptDeferringFlush` durable.
    func flush() async throws
    /// A local file to read the blob from, or nil when it is not stored.
    func fileURL(sha256: String) async -> URL?
    /// Removes a blob no channel refers to any more.
    func remove(sha256: String) async throws
    /// A fresh path inside the store's area for in-progress downloads (same filesystem, so adoption is a rename).
    func temporaryFileURL() -> URL
}
