import DepotCore
import DepotMirror
import DepotStore
import Foundation
import Hummingbird

/// Turns every error into one response shape: JSON `{"error": …}` for the API, an HTML page for people.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = DepotContext
    let renderer: PageRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let mapped = Self.map(error)
            if mapped.status == .internalServerError {
                context.logger.error(
                    "request failed", metadata: ["path": "\(Redaction.path(request.uri.path))", "error": "\(Redaction.url("\(error)"))"])
            }
            if Self.wantsJSON(request) {
                var response = APIResponse.error(status: mapped.status, code: mapped.code, message: mapped.message, field: mapped.field)
                if mapped.status == .unauthorized, request.uri.path.contains("/api/repo/") {
                    // pip, uv and R then retry with the credentials they have for this host.
                    response.headers[.wwwAuthenticate] = "Basic realm=\"Depot\""
                }
                return response
            }
            if mapped.status == .unauthorized {
                if request.method == .get {
                    let next = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
                    return Redirect.to(SitePath.login(next: next))
                }
            }
            let page = MessagePage(
                site: Site(context: context, section: ""), title: mapped.title, message: mapped.message,
                status: Int(mapped.status.code), showSignIn: mapped.status == .unauthorized)
            var response = try renderer.response("message", page, status: mapped.status)
            if case AppError.tooManyRequests(let seconds) = error {
                response.headers[.retryAfter] = String(seconds)
            }
            return response
        }
    }

    static func wantsJSON(_ request: Request) -> Bool {
        request.uri.path.hasPrefix("/api/") || request.uri.path.hasPrefix("/t/")
            || (request.headers[.accept]?.contains("application/json") ?? false)
    }

    struct Mapped {
        var status: HTTPResponse.Status
        var code: String
        var message: String
        var field: String?
        var title: String {
            switch status {
            case .notFound: "Not found"
            case .forbidden: "Not allowed"
            case .unauthorized: "Sign in"
            case .tooManyRequests: "Too many tries"
            case .internalServerError: "Server error"
            default: "Request refused"
            }
        }
    }

    static func map(_ error: any Error) -> Mapped {
        switch error {
        case let error as AppError:
            return Mapped(status: error.status, code: error.code, message: error.message)
        case let error as StoreError:
            switch error {
            case .notFound(let what):
                return Mapped(status: .notFound, code: "not_found", message: AppError.notFound(what).message)
            case .duplicate(let field, let message):
                return Mapped(status: .conflict, code: "duplicate", message: message, field: field)
            case .invalid(let errors):
                return Mapped(status: .badRequest, code: "invalid", message: errors.first?.message ?? "Invalid input.", field: errors.first?.field)
            case .conflict(let message):
                return Mapped(status: .conflict, code: "conflict", message: message)
            }
        case let errors as ValidationErrors:
            return Mapped(status: .badRequest, code: "invalid", message: errors.first?.message ?? "Invalid input.", field: errors.first?.field)
        case let error as HTTPError:
            let message = error.body ?? (error.status == .notFound ? "No such page." : error.status.reasonPhrase)
            return Mapped(status: error.status, code: "http_\(error.status.code)", message: message)
        case let error as RunFailure:
            return Mapped(status: .conflict, code: "conflict", message: error.message)
        case is DecodingError:
            return Mapped(status: .badRequest, code: "bad_json", message: "The request body is not the JSON this call expects.")
        default:
            return Mapped(status: .internalServerError, code: "internal", message: "Something went wrong on the server; it has been logged.")
        }
    }
}
