import DepotStore
import Foundation
import Hummingbird
import Synchronization

/// Counts responses by status class for `/metrics`.
final class RequestMetrics: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func record(status: Int) {
        let key = "\(status / 100)xx"
        counts.withLock { $0[key, default: 0] += 1 }
    }

    var snapshot: [String: Int] { counts.withLock { $0 } }
}

struct MetricsMiddleware: RouterMiddleware {
    typealias Context = DepotContext
    let metrics: RequestMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            metrics.record(status: Int(response.status.code))
            return response
        } catch {
            metrics.record(status: 500)
            throw error
        }
    }
}

/// `/healthz` for load balancers and scripts, `/metrics` in Prometheus text format.
struct HealthController {
    let services: AppServices
    let metrics: RequestMetrics

    func addRoutes(to router: RouterGroup<DepotContext>) {
        router.get("/healthz", use: health)
        router.get("/metrics", use: prometheus)
    }

    @Sendable func health(_ request: Request, context: DepotContext) async throws -> Response {
        _ = try await services.database.userCount()
        return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
    }

    @Sendable func prometheus(_ request: Request, context: DepotContext) async throws -> Response {
        let counts = try await services.database.counts()
        var lines = [
            "# HELP depot_http_responses_total HTTP responses by status class.",
            "# TYPE depot_http_responses_total counter",
        ]
        for (key, value) in metrics.snapshot.sorted(by: { $0.key < $1.key }) {
            lines.append("depot_http_responses_total{class=\"\(key)\"} \(value)")
        }
        lines += [
            "# HELP depot_channels Channels, subchannels included.", "# TYPE depot_channels gauge", "depot_channels \(counts.channels)",
            "# HELP depot_organisations Organisations.", "# TYPE depot_organisations gauge", "depot_organisations \(counts.orgs)",
            "# HELP depot_users Users.", "# TYPE depot_users gauge", "depot_users \(counts.users)",
        ]
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: .init(byteBuffer: ByteBuffer(string: lines.joined(separator: "\n") + "\n")))
    }
}
