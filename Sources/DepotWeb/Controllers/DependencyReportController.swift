import DepotCore
import DepotStore
import Foundation
import Hummingbird
import NIOCore

/// Download Dependency Report of a run, as JSON or CSV, from the run's pages and the API.
struct DependencyReportController {
    let services: AppServices
    var database: AppDatabase { services.database }

    func addRoutes(to router: RouterGroup<DepotContext>) {
        for base in ["/channels/:c", "/channels/:c/:s"] {
            router.get(RouterPath(base + "/-/mirrors/:id/runs/:run/dependency-report.json"), use: { try await page($0, $1, csv: false) })
            router.get(RouterPath(base + "/-/mirrors/:id/runs/:run/dependency-report.csv"), use: { try await page($0, $1, csv: true) })
        }
        router.get("/api/v1/mirrors/:id/runs/:run/dependency-report", use: { try await api($0, $1, csv: false) })
        router.get("/api/v1/mirrors/:id/runs/:run/dependency-report.csv", use: { try await api($0, $1, csv: true) })
        router.get("/api/v1/mirrors/:id/dependency-report", use: latest)
    }

    /// Where a run's report can be downloaded from its pages, when the run made one.
    static func links(channel: String, mirrorID: Int64, runID: Int64) -> (json: String, csv: String) {
        let base = SitePath.channel(channel, "mirrors/\(mirrorID)/runs/\(runID)/dependency-report")
        return (base + ".json", base + ".csv")
    }

    @Sendable func page(_ request: Request, _ context: DepotContext, csv: Bool) async throws -> Response {
        // The mirror page's own checks.
        let mirrors = MirrorsController(services: services)
        let (channel, _) = try await mirrors.channel(context, .view)
        return try await report(context, mirror: try await mirrors.mirror(context, channel: channel), csv: csv)
    }

    @Sendable func api(_ request: Request, _ context: DepotContext, csv: Bool) async throws -> Response {
        let (mirror, _) = try await MirrorAPIController(services: services).mirror(context, .view)
        return try await report(context, mirror: mirror, csv: csv)
    }

    /// `GET /api/v1/mirrors/{id}/dependency-report?format=csv|json`: the newest run's report.
    @Sendable func latest(_ request: Request, _ context: DepotContext) async throws -> Response {
        let format = request.uri.queryParameters["format"].map(String.init) ?? "json"
        guard format == "json" || format == "csv" else { throw AppError.badRequest("format is csv or json.") }
        let (mirror, _) = try await MirrorAPIController(services: services).mirror(context, .view)
        guard let runID = try await database.latestReportRun(mirrorID: mirror.id!) else {
            throw AppError.notFound("dependency report (no run of this mirror applied a policy that allows by MatchSpec with Include dependencies)")
        }
        return try await report(context, mirror: mirror, runID: runID, csv: format == "csv")
    }

    func report(_ context: DepotContext, mirror: MirrorRecord, csv: Bool) async throws -> Response {
        try await report(context, mirror: mirror, runID: try context.parameters.require("run", as: Int64.self), csv: csv)
    }

    func report(_ context: DepotContext, mirror: MirrorRecord, runID: Int64, csv: Bool) async throws -> Response {
        guard let run = try await database.run(id: runID), run.mirrorID == mirror.id else { throw AppError.notFound("run") }
        guard let json = try await database.runReport(runID: runID) else {
            throw AppError.notFound("dependency report (this run's policy does not allow by MatchSpec with Include dependencies)")
        }
        let name = "\(mirror.name)-run-\(runID)-dependencies"
        var headers = HTTPFields()
        headers[.cacheControl] = "private, no-store"
        if csv {
            let report = try JSONDecoder().decode(DependencyReport.self, from: Data(json.utf8))
            headers[.contentType] = "text/csv; charset=utf-8"
            headers[.contentDisposition] = "attachment; filename=\"\(name).csv\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: report.csv())))
        }
        headers[.contentType] = "application/json"
        headers[.contentDisposition] = "attachment; filename=\"\(name).json\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}
