import Crypto
import DepotCore
import DepotMirror
import DepotStore
import Foundation
import Hummingbird
import Synchronization

/// The PEP 503 / 691 simple repository of a channel: `simple/`, `simple/<project>/` (HTML or JSON by `Accept`),
/// `simple/files/<sha256>/<filename>` and its `.metadata` (PEP 658/714). Links are relative, so the same pages
/// work under `/t/<TOKEN>/…`.
struct SimpleRepository {
    let services: AppServices

    func serve(_ request: Request, _ context: DepotContext, channel: ChannelRecord, path: [String], cache: String) async throws -> Response {
        let trailingSlash = request.uri.path.hasSuffix("/")
        switch path.count {
        case 0:
            guard trailingSlash else { return redirect(request.uri.path + "/") }
            return try await projectList(request, channel: channel, cache: cache)
        case 1:
            let normalized = ProjectName.normalize(path[0])
            if normalized != path[0] || !trailingSlash {
                // Un-normalised or slash-less names answer with the canonical URL.
                let base = request.uri.path.hasSuffix("/") ? String(request.uri.path.dropLast()) : request.uri.path
                return redirect(String(base.dropLast(path[0].count)) + normalized + "/")
            }
            return try await project(request, channel: channel, name: normalized, cache: cache)
        case 3 where path[0] == "files":
            return try await file(request, context, channel: channel, filename: path[2], cache: cache)
        default:
            throw AppError.notFound("file")
        }
    }

    func redirect(_ location: String) -> Response {
        Response(status: .movedPermanently, headers: [.location: location, .cacheControl: "public, max-age=300"])
    }

    func negotiated(_ request: Request) throws -> SimpleFormat {
        guard let format = SimpleFormat.negotiate(accept: request.headers[.accept]) else {
            throw HTTPError(.notAcceptable, message: "Ask for application/vnd.pypi.simple.v1+json or text/html.")
        }
        return format
    }

    static func etag(_ body: [UInt8]) -> String {
        "\"" + SHA256.hash(data: body).prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
    }

    func respond(_ request: Request, format: SimpleFormat, body: [UInt8], etag: String? = nil, cache: String) -> Response {
        let etag = etag ?? Self.etag(body)
        var headers: HTTPFields = [
            .contentType: format == .json ? "application/vnd.pypi.simple.v1+json" : "text/html; charset=utf-8",
            .vary: "Accept", .eTag: etag, .cacheControl: "\(cache), max-age=30",
        ]
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(body.count)
        if request.method == .head { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    func projectList(_ request: Request, channel: ChannelRecord, cache: String) async throws -> Response {
        let format = try negotiated(request)
        let projects = try await services.database.pythonProjects(channelID: channel.id!).map(\.normalized)
        let body = format == .json ? SimplePage.projectListJSON(projects: projects) : Array(SimplePage.projectListHTML(projects: projects).utf8)
        return respond(request, format: format, body: body, cache: cache)
    }

    func project(_ request: Request, channel: ChannelRecord, name: String, cache: String) async throws -> Response {
        let format = try negotiated(request)
        let key = SimplePageCache.Key(channelID: channel.id!, project: name, json: format == .json)
        let version = services.database.packagesVersion
        if let (body, etag) = SimplePageCache.shared.get(key, version: version) {
            return respond(request, format: format, body: body, etag: etag, cache: cache)
        }
        let rows = try await services.database.pythonFiles(channelID: channel.id!, project: name)
        guard !rows.isEmpty else { throw AppError.notFound("project") }
        var files: [ServedFile] = []
        var versions = Set<String>()
        for row in rows {
            guard let stored = try? StoredPythonFile.parse(row.record) else { continue }
            let sha = row.sha256 ?? row.blobSHA256
            if !row.version.isEmpty { versions.insert(row.version) }
            files.append(ServedFile(
                filename: row.filename, url: "../files/\(sha ?? "_")/\(row.filename)", sha256: sha,
                requiresPython: stored.file.requiresPython, yanked: stored.file.yanked, coreMetadataSHA256: stored.metadataSHA256,
                size: row.size, uploadTime: stored.file.uploadTime))
        }
        let display = rows.first?.name ?? name
        let body = format == .json
            ? SimplePage.projectJSON(name: display, versions: versions.sorted { VersionOrder.isLess($0, $1) }, files: files)
            : Array(SimplePage.projectHTML(name: display, files: files).utf8)
        let etag = Self.etag(body)
        SimplePageCache.shared.put(key, version: version, body: body, etag: etag)
        return respond(request, format: format, body: body, etag: etag, cache: cache)
    }

    func file(_ request: Request, _ context: DepotContext, channel: ChannelRecord, filename: String, cache: String) async throws -> Response {
        if filename.hasSuffix(".metadata") {
            let distribution = String(filename.dropLast(".metadata".count))
            guard let row = try await services.database.pythonFile(channelID: channel.id!, filename: distribution),
                  let stored = try? StoredPythonFile.parse(row.record), let sha = stored.metadataSHA256,
                  let url = await services.blobs.fileURL(sha256: sha)
            else { throw AppError.notFound("metadata") }
            return try await FileResponse.make(
                request, context: context, file: url, contentType: "text/plain; charset=utf-8", etag: sha, lastModified: row.createdAt,
                cacheControl: "\(cache), max-age=31536000, immutable")
        }
        guard let row = try await services.database.pythonFile(channelID: channel.id!, filename: filename) else {
            throw AppError.notFound("file")
        }
        return try await RepositoryController(services: services).packageFile(request, context, package: row, cache: cache)
    }
}

/// Rendered project pages, reused until the packages table changes (a large project's page is costly to build).
final class SimplePageCache: Sendable {
    static let shared = SimplePageCache()
    struct Key: Hashable, Sendable {
        let channelID: Int64
        let project: String
        let json: Bool
    }
    private let entries = Mutex<[Key: (version: Int, body: [UInt8], etag: String)]>([:])
    static let maxEntries = 2_000

    func get(_ key: Key, version: Int) -> ([UInt8], String)? {
        entries.withLock { $0[key].flatMap { $0.version == version ? ($0.body, $0.etag) : nil } }
    }

    func put(_ key: Key, version: Int, body: [UInt8], etag: String) {
        entries.withLock { entries in
            if entries.count >= Self.maxEntries { entries.removeAll(keepingCapacity: true) }
            entries[key] = (version, body, etag)
        }
    }
}
