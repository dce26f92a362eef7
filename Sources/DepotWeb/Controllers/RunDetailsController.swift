import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// View Details of a mirror run: counts, how packages are mirrored, and every filtered package with its reason,
/// grouped, searchable and paged.
struct RunDetailsController {
    let services: AppServices
    var database: AppDatabase { services.database }

    static let pageSize = 50
    /// Longer searches are cut: no filename is that long, and the query stays cheap.
    static let maxSearchLength = 200

    func addRoutes(to router: RouterGroup<DepotContext>) {
        for base in ["/channels/:c", "/channels/:c/:s"] {
            router.get(RouterPath(base + "/-/mirrors/:id/runs/:run"), use: show)
        }
    }

    @Sendable func show(_ request: Request, context: DepotContext) async throws -> Response {
        // The same checks as the mirror's page: view on the channel's mirror category, the mirror in this channel.
        let mirrors = MirrorsController(services: services)
        let (channel, _) = try await mirrors.channel(context, .view)
        let mirror = try await mirrors.mirror(context, channel: channel)
        guard let runID = context.parameters.get("run", as: Int64.self), let run = try await database.run(id: runID),
              run.mirrorID == mirror.id
        else { throw AppError.notFound("run") }

        let query = request.uri.queryParameters
        let summary = try await database.filteredSummary(runID: runID)
        let reason = try Self.reason(query["reason"].map(String.init), summary: summary)
        let detail = reason == nil ? nil : Self.nonEmpty(query["detail"].map(String.init))
        let search = Self.search(query["q"].map(String.init))
        var pageNumber = Self.pageNumber(query["page"].map(String.init))

        let pageSize = Self.pageSize
        var (items, total) = try await database.filteredPage(
            runID: runID, reason: reason, detail: detail, search: search, offset: (pageNumber - 1) * pageSize, limit: pageSize)
        let lastPage = max(1, (total + pageSize - 1) / pageSize)
        if pageNumber > lastPage {
            // A page past the end (an old link, a hand-typed number) shows the last one.
            pageNumber = lastPage
            (items, total) = try await database.filteredPage(
                runID: runID, reason: reason, detail: detail, search: search, offset: (pageNumber - 1) * pageSize, limit: pageSize)
        }
        let modes = try await database.modeCounts(mirrorID: mirror.id!)

        var page = RunDetailsPage(
            site: Site(context: context, section: "channels"), channel: channel.fullName, mirror: mirror, run: run, modes: modes,
            summary: summary, filter: .init(reason: reason, detail: detail, search: search),
            list: .init(items: items, total: total, page: pageNumber, pageSize: pageSize))
        page.policyName = run.policyName
        page.dependencyCount = run.dependencyCount
        if try await database.hasRunReport(runID: run.id!) {
            let links = DependencyReportController.links(channel: channel.fullName, mirrorID: mirror.id!, runID: run.id!)
            page.reportCSVURL = links.csv
            page.reportJSONURL = links.json
        }
        return try services.renderer.response("run-details", page)
    }
}

// MARK: Query parameters, shared with the JSON API

extension RunDetailsController {
    static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// The `reason` asked for: nil for all; a known reason or one this run recorded; anything else is refused
    /// with a message naming it.
    static func reason(_ raw: String?, summary: [(reason: String, detail: String?, count: Int)]) throws -> String? {
        guard let raw = nonEmpty(raw?.trimmingCharacters(in: .whitespaces)) else { return nil }
        guard FilterReason(rawValue: raw) != nil || summary.contains(where: { $0.reason == raw }) else {
            let known = FilterReason.allCases.map(\.rawValue).joined(separator: ", ")
            throw StoreError.invalid(ValidationErrors(field: "reason", message: "“\(raw)” is not a filter reason; use one of \(known)."))
        }
        return raw
    }

    /// The search text, trimmed and cut to a sane length.
    static func search(_ raw: String?) -> String {
        String((raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(maxSearchLength))
    }

    /// The page asked for, from 1; anything that is not a positive number is the first page. Large numbers are
    /// capped so that the offset cannot overflow (the handler then shows the last page).
    static func pageNumber(_ raw: String?) -> Int {
        guard let raw, let number = Int(raw), number >= 1 else { return 1 }
        return min(number, Int(Int32.max) / pageSize)
    }
}
