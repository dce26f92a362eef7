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
