import Crypto
import DepotCore
import DepotMirror
import DepotStore
import Foundation
import Hummingbird

/// What clients download: `/api/repo/<channel>[/<subchannel>]/<subdir>/repodata.json(.zst|.bz2)`, package files,
/// and `channeldata.json`; the same under `/t/<TOKEN>/api/repo/…` for private channels.
struct RepositoryController {
    let services: AppServices

    func addRoutes(to router: RouterGroup<DepotContext>) {
        router.get("/api/repo/**", use: { try await serve($0, $1) })
        router.head("/api/repo/**", use: { try await serve($0, $1) })
        router.get("/t/:token/api/repo/**", use: { try await serve($0, try await withPathToken($1)) })
        router.head("/t/:token/api/repo/**", use: { try await serve($0, try await withPathToken($1)) })
    }

    /// The caller as the token in the path says; a bad token is refused, never ignored.
    func withPathToken(_ context: DepotContext) async throws -> DepotContext {
        let token = try context.parameters.require("token")
        var context = context
        guard let user = try await services.database.userForToken(hash: Secrets.sha256Hex(token)) else { throw AppError.unauthorized }
        context.user = user
        context.principal = try await services.database.principal(for: user)
        context.authMethod = .token
        return context
    }

    static let indexNames: Set<String> = ["repodata.json", "repodata.json.zst", "repodata.json.bz2"]

    func serve(_ request: Request, _ context: DepotContext) async throws -> Response {
        let segments = context.parameters.getCatchAll().map(String.init)
        guard !segments.isEmpty, segments.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            throw AppError.notFound("file")
        }
        // `a/b/...` is subchannel `a/b` when it exists, else channel `a` with `b` as a subdir.
        var channel: ChannelRecord?
        var rest = ArraySlice(segments)
        if segments.count >= 2, let sub = try await services.database.channel(fullName: "\(segments[0])/\(segments[1])") {
            channel = sub
            rest = segments.dropFirst(2)
        } else if let top = try await services.database.channel(fullName: segments[0]) {
            channel = top
            rest = segments.dropFirst()
        }
        guard let channel else {
            if context.user == nil { throw AppError.unauthorized }
            throw AppError.notFound("channel")
        }
        try context.require(.view, channel: channel)
        let cache = channel.isPublic ? "public" : "private"

        if rest.first == "cran" {
            return try await CranRepository(services: services).serve(request, context, channel: channel, path: Array(rest.dropFirst()), cache: cache)
        }
        if rest.first == "simple" {
            return try await SimpleRepository(services: services).serve(request, context, channel: channel, path: Array(rest.dropFirst()), cache: cache)
        }
        switch Array(rest) {
        case ["channeldata.json"]:
            return try await index(request, context, channel: channel, subdir: IndexPublisher.channeldataSubdir, name: "channeldata.json", cache: cache)
        case let parts where parts.count == 2 && CondaFilename.isSubdir(parts[0]) && Self.indexNames.contains(parts[1]):
            return try await index(request, context, channel: channel, subdir: parts[0], name: parts[1], cache: cache)
        case let parts where parts.count == 2 && CondaFilename.isSubdir(parts[0]) && CondaFormat.of(parts[1]) != nil:
            return try await package(request, context, channel: channel, subdir: parts[0], filename: parts[1], cache: cache)
        default:
            throw AppError.notFound("file")
        }
    }

    func index(
        _ request: Request, _ context: DepotContext, channel: ChannelRecord, subdir: String, name: String, cache: String
    ) async throws -> Response {
        let publisher = services.mirrors.parts.publisher
        var served = try await publisher.servedFile(channelID: channel.id!, subdir: subdir, name: name)
        if served == nil, subdir == "noarch" || subdir == IndexPublisher.channeldataSubdir {
            // `noarch` and `channeldata.json` always exist, empty until a mirror fills the channel.
            if subdir == "noarch" {
                try await publisher.publish(channelID: channel.id!, subdir: "noarch")
            } else {
                try await publisher.publishChanneldata(channelID: channel.id!)
            }
            served = try await publisher.servedFile(channelID: channel.id!, subdir: subdir, name: name)
        }
        guard let (file, index) = served else { throw AppError.notFound("index") }
        let type = name.hasSuffix(".zst") ? "application/zstd" : name.hasSuffix(".bz2") ? "application/x-bzip2" : "application/json"
        // Each representation gets its own strong validator.
        let etag = name == "repodata.json" || name == "channeldata.json" ? index.servedETag : "\(index.servedETag)-\(name.split(separator: ".").last!)"
        return try await FileResponse.make(
            request, context: context, file: file, contentType: type, etag: etag, lastModified: index.servedAt,
            cacheControl: "\(cache), max-age=30")
    }

    func package(
        _ request: Request, _ context: DepotContext, channel: ChannelRecord, subdir: String, filename: String, cache: String
    ) async throws -> Response {
        guard let package = try await services.database.package(channelID: channel.id!, subdir: subdir, filename: filename) else {
            throw AppError.notFound("package")
        }
        return try await packageFile(request, context, package: package, cache: cache)
    }

    /// A stored file, or a passive mirror's file streamed on its first request.
    func packageFile(_ request: Request, _ context: DepotContext, package: PackageRecord, cache: String) async throws -> Response {
        let filename = package.filename
        let immutable = "\(cache), max-age=31536000, immutable"
        // The same file may already be stored for another channel: blobs are shared.
        if let blob = package.blobSHA256 ?? package.sha256, let file = await services.blobs.fileURL(sha256: blob) {
            if package.blobSHA256 == nil {
                try await services.database.setBlob(sha256: blob, forPackagesWithSHA256: blob, md5: nil, filename: package.filename)
            }
            return try await FileResponse.make(
                request, context: context, file: file, contentType: "application/octet-stream", etag: blob,
                lastModified: package.createdAt, cacheControl: immutable)
        }
        // Not stored yet: a passive mirror's file on its first request.
        var headers: HTTPFields = [.contentType: "application/octet-stream", .cacheControl: "\(cache), no-cache"]
        if let size = package.size { headers[.contentLength] = String(size) }
        if request.method == .head { return Response(status: .ok, headers: headers) }
        let download = try await services.passive.download(package)
        context.logger.info("passive fetch", metadata: ["file": "\(filename)", "channel": "\(package.channelID)"])
        do {
            try await download.started()
        } catch {
            // Nothing sent yet: say what happened instead of a truncated 200.
            context.logger.warning("passive fetch failed", metadata: ["file": "\(filename)", "reason": "\(error)"])
            return APIResponse.error(
                status: .badGateway, code: "upstream",
                message: "The upstream could not provide \(filename): \(Redaction.url("\(error)"))", field: nil)
        }
        let body = ResponseBody { writer in
            var offset: Int64 = 0
            while let chunk = try await download.read(from: offset) {
                offset += Int64(chunk.readableBytes)
                try await writer.write(chunk)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
