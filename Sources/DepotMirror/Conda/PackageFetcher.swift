import DepotCore
import DepotStore
import Foundation
import NIOCore

/// Why a package could not be fetched, said so a user can act on it.
struct FetchFailure: Error, CustomStringConvertible {
    let reason: FilterReason
    let message: String
    var description: String { message }
}

/// Downloads one package file, verifies it against its record (sha256, else md5, and size) and moves it into
/// the blob store. A file that fails verification never becomes visible.
struct PackageFetcher {
    let parts: MirrorEngine.Parts

    struct Stored {
        let sha256: String
        let size: Int64
    }

    /// `record`: also mark the package rows as stored (passive requests); active runs record it with their batch.
    func fetchAndStore(
        _ package: PackageRecord, into temp: URL? = nil, record: Bool = true, onChunk: (@Sendable (ByteBuffer) async -> Void)? = nil
    ) async throws -> Stored {
        let temp = temp ?? parts.blobs.temporaryFileURL()
        defer { try? FileManager.default.removeItem(at: temp) }
        // No file is larger than 20 GB, whatever an index says.
        let limit = min(package.size ?? (20 << 30), 20 << 30)
        let downloaded: UpstreamClient.Downloaded
        do {
            downloaded = try await parts.client.download(package.upstreamURL, to: temp, maxBytes: limit, onChunk: onChunk)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as UpstreamError {
            if case .tooLarge = error {
                throw FetchFailure(reason: .hashMismatch, message: "the upstream sent more than the \(limit) bytes the index lists")
            }
            throw FetchFailure(reason: .upstreamError, message: error.description)
        } catch {
            throw FetchFailure(reason: .upstreamError, message: Redaction.url("\(error)"))
        }
        try verify(downloaded, against: package)
        do {
            if record {
                try await parts.blobs.adopt(temporaryFile: temp, sha256: downloaded.sha256)
            } else {
                try await parts.blobs.adoptDeferringFlush(temporaryFile: temp, sha256: downloaded.sha256)
            }
            if record { try await parts.database.setBlob(
                sha256: downloaded.sha256, forPackagesWithSHA256: package.sha256, md5: package.md5, filename: package.filename) }
        } catch {
            throw FetchFailure(reason: .upstreamError, message: "could not store the file: \(error)")
        }
        return Stored(sha256: downloaded.sha256, size: downloaded.size)
    }

    func verify(_ downloaded: UpstreamClient.Downloaded, against package: PackageRecord) throws {
        if let size = package.size, size != downloaded.size {
            throw FetchFailure(reason: .hashMismatch, message: "size is \(downloaded.size) bytes, the index says \(size)")
        }
        if let expected = package.sha256 {
            guard expected == downloaded.sha256 else {
                throw FetchFailure(reason: .hashMismatch, message: "sha256 is \(downloaded.sha256), the index says \(expected)")
            }
        } else if let expected = package.md5 {
            guard expected == downloaded.md5 else {
                throw FetchFailure(reason: .hashMismatch, message: "md5 is \(downloaded.md5), the index says \(expected)")
            }
        }
    }
}
