import DepotCore
import Foundation
import Hummingbird

/// One log line per request with method, path (tokens redacted), status and duration; never headers or bodies.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = DepotContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info(
            "request",
            metadata: [
                "method": "\(request.method)", "path": "\(Redaction.path(request.uri.path))",
                "status": "\(response.status.code)", "ms": "\(String(format: "%.1f", ms))",
            ])
        return response
    }
}
