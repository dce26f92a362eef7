import DepotCore
import Foundation
import HTTPTypes
import Hummingbird

/// Refuses state-changing requests that do not echo the caller's CSRF token, before any handler runs.
/// Session users echo the session's token (form field `_csrf` or header `X-CSRF-Token`); anonymous form posts
/// (the login form) echo the `depot_csrf` cookie. Token-authenticated API calls carry no ambient authority and skip it.
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = DepotContext

    static let fieldName = "_csrf"
    static let headerName = HTTPField.Name("X-CSRF-Token")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard ![.get, .head, .options].contains(request.method) else { return try await next(request, context) }
        var request = request
        var context = context
        let isForm = request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") ?? false
        if isForm {
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: context.maxUploadSize)
            } catch {
                throw AppError.payloadTooLarge
            }
            context.form = FormData(encoded: String(buffer: body))
        }
        switch context.authMethod {
        case .token:
            break
        case .session:
            try Self.check(request: request, context: context)
        case .none:
            if isForm { try Self.check(request: request, context: context) }
        }
        return try await next(request, context)
    }

    static func check(request: Request, context: Context) throws {
        let sent = request.headers[headerName] ?? context.form[fieldName]
        guard Secrets.constantTimeEquals(sent, context.csrfToken) else {
            context.logger.notice("refused request without a valid CSRF token", metadata: ["path": "\(Redaction.path(request.uri.path))"])
            throw AppError.csrf
        }
    }
}
