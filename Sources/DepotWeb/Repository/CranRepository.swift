import Crypto
import DepotCore
import DepotMirror
import DepotStore
import Foundation
import Hummingbird
import Synchronization

/// The CRAN-like repository of a channel. Each package directory R knows (`RContribDirectory`: `src/contrib` and
/// the binary `bin/…/contrib/<R version>` ones) serves `PACKAGES` (+ `.gz`, `.rds`) and its package files;
/// `src/contrib/Archive/<pkg>/<tarball>` serves superseded source versions. A binary directory the channel has no
/// packages in answers 404, as on a repository that does not offer it.
struct CranRepository {
    let services: AppServices

    /// The index files of a directory and their content types (a package may be called `PACKAGESx`).
    static let indexTypes = ["PACKAGES": "text/plain; charset=utf-8", "PACKAGES.gz": "application/gzip", "PACKAGES.rds": "application/octet-stream"]

    func serve(_ request: Request, _ context: DepotContext, channel: ChannelRecord, path: [String], cache: String) async throws -> Response {
        guard let (directory, rest) = RContribDirectory.match(path) else { throw AppError.notFound("file") }
        switch Array(rest) {
        case let rest where rest.count == 1 && Self.indexTypes[rest[0]] != nil:
            return try await index(request, channel: channel, directory: directory, name: rest[0], cache: cache)
        case let rest where rest.count == 1:
            return try await packageFile(request, context, channel: channel, subdir: directory.subdir, filename: rest[0], cache: cache)
        case let rest where rest.count == 3 && rest[0] == "Archive" && directory == .source:
            return try await packageFile(request, context, channel: channel, subdir: "\(directory.subdir)/Archive/\(rest[1])", filename: rest[2], cache: cache)
        default:
            throw AppError.notFound("file")
        }
    }

    func packageFile(_ request: Request, _ context: DepotContext, channel: ChannelRecord, subdir: String, filename: String, cache: String) async throws -> Response {
        guard SimpleIndexParser.isSafeFilename(filename),
              let row = try await services.database.package(channelID: channel.id!, subdir: subdir, filename: filename)
        else { throw AppError.notFound("package") }
        return try await RepositoryController(services: services).packageFile(request, context, package: row, cache: cache)
    }

    func index(_ request: Request, channel: ChannelRecord, directory: RContribDirectory, name: String, cache: String) async throws -> Response {
        guard let type = Self.indexTypes[name] else { throw AppError.notFound("file") }
        let version = services.database.packagesVersion
        let key = "\(channel.id!)/\(directory.path)/\(name)"
        let body: [UInt8]
        if let cached = CranIndexCache.shared.get(key, version: version) {
            body = cached
        } else {
            let rows = try await services.database.packages(channelID: channel.id!, subdir: directory.subdir)
            if rows.isEmpty, directory.isBinary { throw AppError.notFound("index") }
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
