import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// Finds out who is asking: a session cookie, `Authorization: Bearer <token>`, or HTTP Basic `__token__:<token>`.
/// It only identifies; permission checks happen in `DepotContext.require`.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = DepotContext
    let database: AppDatabase

    static let sessionCookie = "depot_session"
    static let csrfCookie = "depot_csrf"
    static let flashCookie = "depot_flash"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let token = Self.apiToken(in: request) {
            guard let user = try await database.userForToken(hash: Secrets.sha256Hex(token)) else {
                throw AppError.unauthorized
            }
            context.user = user
            context.principal = try await database.principal(for: user)
            context.authMethod = .token
        } else if let cookie = request.cookies[Self.sessionCookie]?.value, !cookie.isEmpty,
                  let (session, user) = try await database.session(tokenHash: Secrets.sha256Hex(cookie))
        {
            context.user = user
            context.session = session
            context.principal = try await database.principal(for: user)
            context.authMethod = .session
            context.csrfToken = session.csrfToken
        } else {
            context.csrfToken = request.cookies[Self.csrfCookie]?.value ?? ""
        }
        context.logger[metadataKey: "user"] = context.user.map { .string($0.name) }

        let flash = request.cookies[Self.flashCookie]?.value
        context.flash = flash.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 }

        var response = try await next(request, context)
        if flash != nil, !(300..<400).contains(response.status.code) {
            response.setCookie(Cookie(name: Self.flashCookie, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .lax))
        }
        return response
    }

    /// A token from `Authorization: Bearer …` or Basic `__token__:…`.
    static func apiToken(in request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        if header.lowercased().hasPrefix("bearer ") {
            let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
            return token.isEmpty ? nil : token
        }
        if header.lowercased().hasPrefix("basic "),
           let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
           let pair = String(data: data, encoding: .utf8), pair.hasPrefix("__token__:")
        {
            let token = String(pair.dropFirst("__token__:".count))
            return token.isEmpty ? nil : token
        }
        return nil
    }
}
