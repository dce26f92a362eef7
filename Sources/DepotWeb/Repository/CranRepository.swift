import Crypto
import DepotCore
import DepotMirror
import DepotStore
import Foundation
import Hummingbird
import Synchronization

/// The CRAN-like repository of a channel: `cran/src/contrib/PACKAGES` (+ `.gz`, `.rds`), the source
/// tarballs, and `cran/src/contrib/Archive/<pkg>/<tarball>` for superseded versions.
struct CranRepository {
    let services: AppServices

    func serve(_ request: Request, _ context: DepotContext, channel: ChannelRecord, path: [String], cache: String) async throws -> Response {
        guard path.count >= 3, path[0] == "src", path[1] == "contrib" else { throw AppError.notFound("file") }
        let rest = Array(path.dropFirst(2))
        switch rest.count {
        case 1 where rest[0].hasPrefix("PACKAGES"):
            return try await index(request, channel: channel, name: rest[0], cache: cache)
        case 1:
            return try await tarball(request, context, channel: channel, subdir: "cran/src/contrib", filename: rest[0], cache: cache)
        case 3 where rest[0] == "Archive":
            return try await tarball(request, context, channel: channel, subdir: "cran/src/contrib/Archive/\(rest[1])", filename: rest[2], cache: cache)
        default:
            throw AppError.notFound("file")
        }
    }

    func tarball(_ request: Request, _ context: DepotContext, channel: ChannelRecord, subdir: String, filename: String, cache: String) async throws -> Response {
        guard SimpleIndexParser.isSafeFilename(filename),
              let row = try await services.database.package(channelID: channel.id!, subdir: subdir, filename: filename)
        else { throw AppError.notFound("package") }
        return try await RepositoryController(services: services).packageFile(request, context, package: row, cache: cache)
    }

    func index(_ request: Request, channel: ChannelRecord, name: String, cache: String) async throws -> Response {
        let kinds = ["PACKAGES": "text/plain; charset=utf-8", "PACKAGES.gz": "application/gzip", "PACKAGES.rds": "application/octet-stream"]
        guard let type = kinds[name] else { throw AppError.notFound("file") }
        let version = services.database.packagesVersion
        let key = "\(channel.id!)/\(name)"
        let body: [UInt8]
        if let cached = CranIndexCache.shared.get(key, version: version) {
            body = cached
        } else {
            let rows = try await services.database.packages(channelID: channel.id!, subdir: "cran/src/contrib")
            let records = rows.compactMap { try? DCF.parse($0.record).first }
            switch name {
            case "PACKAGES": body = Array(DCF.write(records).utf8)
            case "PACKAGES.gz": body = try Gzip.compress(Array(DCF.write(records).utf8))
            default: body = try Gzip.compress(CranIndex.rds(records))
            }
            CranIndexCache.shared.put(key, version: version, body: body)
        }
        let etag = "\"" + SHA256.hash(data: body).prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
        var headers: HTTPFields = [.contentType: type, .eTag: etag, .cacheControl: "\(cache), max-age=30"]
        if request.headers[.ifNoneMatch] == etag { return Response(status: .notModified, headers: headers) }
        headers[.contentLength] = String(body.count)
        if request.method == .head { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Rendered CRAN indexes, reused until the packages table changes.
final class CranIndexCache: Sendable {
    static let shared = CranIndexCache()
    private let entries = Mutex<[String: (version: Int, body: [UInt8])]>([:])

    func get(_ key: String, version: Int) -> [UInt8]? {
        entries.withLock { $0[key].flatMap { $0.version == version ? $0.body : nil } }
    }

    func put(_ key: String, version: Int, body: [UInt8]) {
        entries.withLock { entries in
            if entries.count > 1_000 { entries.removeAll() }
            entries[key] = (version, body)
        }
    }
}
