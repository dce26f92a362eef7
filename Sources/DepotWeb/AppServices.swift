import DepotCore
import DepotMirror
import DepotStore
import Foundation
import HTTPTypes
import Hummingbird

/// What controllers share: the store, the page renderer and the settings.
public struct AppServices: Sendable {
    public let config: AppConfig
    public let database: AppDatabase
    public let blobs: any BlobStore
    public let renderer: PageRenderer
    public let passwords: Passwords
    public let mirrors: MirrorEngine
    public let passive: PassiveFetcher
    let loginLimiter: LoginLimiter

    /// The server's public base URL, for snippets users copy: the configured one, else the request's Host.
    func baseURL(for request: Request) -> String {
        if let url = config.publicURL, !url.isEmpty { return url }
        let scheme = isSecure(request) ? "https" : "http"
        let host = request.head.authority ?? "\(config.host):\(config.port)"
        return "\(scheme)://\(host)"
    }

    /// Whether the browser reached us over TLS (directly or through a proxy that says so).
    func isSecure(_ request: Request) -> Bool {
        if let url = config.publicURL, url.hasPrefix("https://") { return true }
        return request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }
}

extension AppServices {
    /// The channel with this full name, after checking the caller may `action` it: the one lookup every page and
    /// API call uses, so a hidden channel and a missing one answer the same.
    func channel(named fullName: String, _ action: PermissionAction = .view, context: DepotContext) async throws -> ChannelRecord {
        guard ChannelPath(fullName: fullName) != nil, let channel = try await database.channel(fullName: fullName) else {
            if context.user == nil { throw AppError.unauthorized }
            throw AppError.notFound("channel")
        }
        try context.require(action, channel: channel)
        return channel
    }

    /// The channel named by a route's `:c` (and `:s` for a subchannel) parameters.
    func channel(fromPath context: DepotContext, _ action: PermissionAction = .view) async throws -> ChannelRecord {
        let parent = try context.parameters.require("c")
        return try await channel(named: context.parameters.get("s").map { "\(parent)/\($0)" } ?? parent, action, context: context)
    }

    /// The organisation named by a route's `:org` parameter; non-members get 404 so other tenants stay invisible.
    func org(fromPath context: DepotContext) async throws -> (OrgRecord, Int64) {
        try context.requireUser()
        let name = try context.parameters.require("org")
        guard let org = try await database.org(named: name), let id = org.id, context.principal.isMember(of: id) else {
            throw AppError.notFound("organisation")
        }
        return (org, id)
    }

    /// The channel named by the API's `:channel` parameter (`parent%2Fchild` for a subchannel).
    func channel(fromAPI context: DepotContext, _ action: PermissionAction = .view) async throws -> ChannelRecord {
        let raw = try context.parameters.require("channel")
        return try await channel(named: raw.removingPercentEncoding ?? raw, action, context: context)
    }
}
