import DepotCore
import DepotMirror
import DepotStore
import Foundation
import Hummingbird

struct MirrorJSON: Encodable {
    struct Progress: Encodable {
        let done: Int
        let total: Int
        let bytes: Int64
    }
    let id: Int64
    let name: String
    let channel: String
    let type: String
    let mode: String
    /// With any token or password masked.
    let sourceUrl: String
    let subdirs: [String]
    let cron: String
    let exclude: [String]
    let include: [String]
    let licenseExclude: [String]
    /// The mirror's own policy; nil when it uses the channel's.
    let policyId: Int64?
    let status: String
    let step: String
    let description: String
    let progress: Progress
    let lastCompletedAt: Date?
    let createdAt: Date

    init(_ mirror: MirrorRecord, channel: String) {
        id = mirror.id!
        name = mirror.name
        self.channel = channel
        type = mirror.type
        mode = mirror.mode
        sourceUrl = Redaction.url(mirror.sourceURL)
        subdirs = mirror.subdirList
        cron = mirror.cron
        exclude = mirror.exclude.split(whereSeparator: \.isNewline).map(String.init)
        include = mirror.include.split(whereSeparator: \.isNewline).map(String.init)
        licenseExclude = mirror.licenseExclude.split(whereSeparator: \.isNewline).map(String.init)
        policyId = mirror.policyID
        status = mirror.status.isEmpty ? "new" : mirror.status
        step = mirror.step
        description = mirror.statusDescription
        progress = Progress(done: mirror.progressDone, total: mirror.progressTotal, bytes: mirror.progressBytes)
        lastCompletedAt = mirror.lastCompletedAt
        createdAt = mirror.createdAt
    }
}

struct RunJSON: Encodable {
    let id: Int64
    let status: String
    let trigger: String
    let queuedAt: Date
    let startedAt: Date?
    let finishedAt: Date?
    let error: String?
    let sourceCount: Int
    let keptCount: Int
    let filteredCount: Int
    let downloadedCount: Int
    let downloadedBytes: Int64
    /// The policy the run applied, when one was.
    let policy: String?
    /// Packages kept only because an allowed package depends on them.
    let dependencyCount: Int

    init(_ run: RunRecord) {
        id = run.id!
        status = run.status
        trigger = run.trigger
        queuedAt = run.queuedAt
        startedAt = run.startedAt
        finishedAt = run.finishedAt
        error = run.error
        sourceCount = run.sourceCount
        keptCount = run.keptCount
        filteredCount = run.filteredCount
        downloadedCount = run.downloadedCount
        downloadedBytes = run.downloadedBytes
        policy = run.policyName
        dependencyCount = run.dependencyCount
    }
}

/// A run's View Details: counts, how the mirror's packages are stored, filtered packages counted by reason
/// (`filtered_by_reason`, and `groups` split by rule and licence) and one page of them (`filtered`, `total`).
struct RunDetailsJSON: Encodable {
    struct Item: Encodable {
        let subdir: String
        let filename: String
        let reason: String
        let detail: String
    }
    struct Counts: Encodable {
        let source: Int
        let kept: Int
        let filtered: Int
        let downloaded: Int
        let downloadedBytes: Int64
    }
    struct Modes: Encodable {
        let active: Int
        let passiveStored: Int
        let passivePending: Int
    }
    struct Group: Encodable {
        let reason: String
        let title: String
        /// The rule or licence for `blocked_by_rule` and `license`; null for the other reasons.
        let detail: String?
        let count: Int

        enum CodingKeys: String, CodingKey { case reason, title, detail, count }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(reason, forKey: .reason)
            try container.encode(title, forKey: .title)
            try container.encode(detail, forKey: .detail)
            try container.encode(count, forKey: .count)
        }
    }
    let run: RunJSON
    let counts: Counts
    let modes: Modes
    let filteredByReason: [String: Int]
    let groups: [Group]
    let filtered: [Item]
    let total: Int
    let offset: Int
    let limit: Int
}

/// `exclude`/`include` as one string (lines or commas) or a list of patterns.
struct PatternList: Decodable {
    let text: String
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let list = try? container.decode([String].self) { text = list.joined(separator: "\n") } else { text = try container.decode(String.self) }
    }
}

struct UpdateMirrorBody: Decodable {
    let name: String?
    let mode: String?
    let sourceUrl: String?
    let subdirs: [String]?
    let cron: String?
    let exclude: PatternList?
    let include: PatternList?
    let licenseExclude: [String]?
    /// A policy name of the channel's organisation; "" for the channel's policy.
    let policy: String?
}

struct CreateMirrorBody: Decodable {
    let name: String
    let type: String?
    let mode: String?
    let sourceUrl: String?
    let subdirs: [String]?
    let cron: String?
    let runNow: Bool?
    let exclude: PatternList?
    let include: PatternList?
    let licenseExclude: [String]?
    /// A policy name of the channel's organisation; absent or "" for the channel's policy.
    let policy: String?
}

/// Mirrors through the JSON API; the same checks as the Create Mirror form.
struct MirrorAPIController {
    let services: AppServices
    var database: AppDatabase { services.database }

    func addRoutes(to router: RouterGroup<DepotContext>) {
        let api = router.group("/api/v1")
        api.post("/channels/:channel/mirrors", use: create)
        api.get("/channels/:channel/mirrors", use: listForChannel)
        api.get("/mirrors", use: list)
        api.get("/mirrors/:id", use: show)
        api.post("/mirrors/:id/run", use: runNow)
        api.post("/mirrors/:id/stop", use: stop)
        api.post("/mirrors/:id/restart", use: restart)
        api.patch("/mirrors/:id", use: update)
        api.delete("/mirrors/:id", use: delete)
        api.get("/mirrors/:id/runs", use: runs)
        api.get("/mirrors/:id/runs/:run", use: run)
        api.get("/mirrors/:id/runs/:run/details", use: details)
    }

    func channel(_ context: DepotContext, _ action: PermissionAction) async throws -> ChannelRecord {
        try await services.channel(fromAPI: context, action)
    }

    /// A mirror and its channel after the permission check on the channel's mirror category.
    func mirror(_ context: DepotContext, _ action: PermissionAction) async throws -> (MirrorRecord, ChannelRecord) {
        let id = try context.parameters.require("id", as: Int64.self)
        guard let mirror = try await database.mirror(id: id), let channel = try await database.channel(id: mirror.channelID) else {
            throw AppError.notFound("mirror")
        }
        try context.require(action, on: channel.isSubchannel ? .subchannelMirrors : .channelMirrors, in: channel.orgID, what: "mirror")
        return (mirror, channel)
    }

    @Sendable func create(_ request: Request, context: DepotContext) async throws -> Response {
        let channel = try await channel(context, .view)
        try context.require(.create, on: channel.isSubchannel ? .subchannelMirrors : .channelMirrors, in: channel.orgID)
        let body = try await APIController(services: services).body(request, context, as: CreateMirrorBody.self)
        var input = MirrorInput(
            name: body.name, type: body.type ?? "conda", mode: body.mode ?? "active", sourceURL: body.sourceUrl ?? "",
            subdirs: body.subdirs ?? ["noarch"], cron: body.cron ?? "", runNow: body.runNow ?? false)
        input.exclude = body.exclude?.text ?? ""
        input.include = body.include?.text ?? ""
        input.licenseExclude = body.licenseExclude ?? []
        let policyID = try await MirrorCreation.policyID(named: body.policy ?? "", in: channel, services: services)
        let mirror = try await MirrorCreation.create(input, in: channel, policyID: policyID, services: services, actor: context.auditActor)
        return try APIResponse.json(MirrorJSON(try await database.mirror(id: mirror.id!) ?? mirror, channel: channel.fullName), status: .created)
    }

    @Sendable func listForChannel(_ request: Request, context: DepotContext) async throws -> Response {
        let channel = try await channel(context, .view)
        try context.require(.view, on: channel.isSubchannel ? .subchannelMirrors : .channelMirrors, in: channel.orgID)
        let mirrors = try await database.mirrors(channelID: channel.id!)
        return try APIResponse.json(ListJSON(items: mirrors.map { MirrorJSON($0, channel: channel.fullName) }))
    }

    @Sendable func list(_ request: Request, context: DepotContext) async throws -> Response {
        try context.requireUser()
        var items: [MirrorJSON] = []
        for mirror in try await database.allMirrors() {
            guard let channel = try await database.channel(id: mirror.channelID),
                  context.principal.can(.view, on: channel.isSubchannel ? .subchannelMirrors : .channelMirrors, in: channel.orgID)
            else { continue }
            items.append(MirrorJSON(mirror, channel: channel.fullName))
        }
        return try APIResponse.json(ListJSON(items: items))
    }

    @Sendable func show(_ request: Request, context: DepotContext) async throws -> Response {
        let (mirror, channel) = try await mirror(context, .view)
        return try APIResponse.json(MirrorJSON(mirror, channel: channel.fullName))
    }

    @Sendable func runNow(_ request: Request, context: DepotContext) async throws -> Response {
        let (mirror, _) = try await mirror(context, .create)
        let run = try await services.mirrors.enqueue(mirrorID: mirror.id!, trigger: "manual by \(context.auditActor.name)")
        return try APIResponse.json(RunJSON(run), status: .accepted)
    }

    @Sendable func stop(_ request: Request, context: DepotContext) async throws -> Response {
        let (mirror, channel) = try await mirror(context, .stop)
        try await services.mirrors.stop(mirrorID: mirror.id!, by: context.auditActor)
        return try APIResponse.json(MirrorJSON(try await database.mirror(id: mirror.id!) ?? mirror, channel: channel.fullName))
    }

    @Sendable func restart(_ request: Request, context: DepotContext) async throws -> Response {
        let (mirror, _) = try await mirror(context, .restart)
        let run = try await services.mirrors.restart(mirrorID: mirror.id!, by: context.auditActor)
        return try APIResponse.json(RunJSON(run), status: .accepted)
    }

    @Sendable func update(_ request: Request, context: DepotContext) async throws -> Response {
        let (mirror, channel) = try await mirror(context, .edit)
        let body = try await APIController(services: services).body(request, context, as: UpdateMirrorBody.self)
        if let mode = body.mode, mode != mirror.mode {
            throw StoreError.invalid(ValidationErrors(field: "mode", message: "The mode of a mirror cannot change; create a new mirror instead."))
        }
        let updated = try await MirrorCreation.update(
            mirror, name: body.name ?? mirror.name, sourceURL: body.sourceUrl, subdirs: body.subdirs ?? mirror.subdirList,
            cron: body.cron ?? mirror.cron, exclude: body.exclude?.text, include: body.include?.text,
            licenseExclude: body.licenseExclude,
            policyID: try await body.policy.asyncMap { try await MirrorCreation.policyID(named: $0, in: channel, services: services) },
            services: services, actor: context.auditActor)
        return try APIResponse.json(MirrorJSON(updated, channel: channel.fullName))
    }

    @Sendable func delete(_ request: Request, context: DepotContext) async throws -> Response {
        let (mirror, _) = try await mirror(context, .delete)
        try await services.mirrors.delete(mirrorID: mirror.id!, by: context.auditActor)
        return Response(status: .noContent)
    }

    @Sendable func runs(_ request: Request, context: DepotContext) async throws -> Response {
        let (mirror, _) = try await mirror(context, .view)
        return try APIResponse.json(ListJSON(items: try await database.runs(mirrorID: mirror.id!).map(RunJSON.init)))
    }

    func runRecord(_ context: DepotContext, mirror: MirrorRecord) async throws -> RunRecord {
        let runID = try context.parameters.require("run", as: Int64.self)
        guard let run = try await database.run(id: runID), run.mirrorID == mirror.id else { throw AppError.notFound("run") }
        return run
    }

    @Sendable func run(_ request: Request, context: DepotContext) async throws -> Response {
        let (mirror, _) = try await mirror(context, .view)
        return try APIResponse.json(RunJSON(try await runRecord(context, mirror: mirror)))
    }

    static let defaultDetailsLimit = 100
    static let maxDetailsLimit = 1000

    /// `?reason=&detail=&q=&offset=&limit=` narrow and page `filtered`; the counts always cover the whole run.
    @Sendable func details(_ request: Request, context: DepotContext) async throws -> Response {
        let (mirror, _) = try await mirror(context, .view)
        let run = try await runRecord(context, mirror: mirror)
        let query = request.uri.queryParameters
        let offset = try Self.integer(query["offset"].map(String.init), field: "offset", default: 0, minimum: 0)
        let limit = min(
            try Self.integer(query["limit"].map(String.init), field: "limit", default: Self.defaultDetailsLimit, minimum: 1),
            Self.maxDetailsLimit)
        let summary = try await database.filteredSummary(runID: run.id!)
        let reason = try RunDetailsController.reason(query["reason"].map(String.init), summary: summary)
        let detail = RunDetailsController.nonEmpty(query["detail"].map(String.init))
        let search = RunDetailsController.search(query["q"].map(String.init))
        let page = try await database.filteredPage(
            runID: run.id!, reason: reason, detail: detail, search: search, offset: offset, limit: limit)
        let modes = try await database.modeCounts(mirrorID: mirror.id!)
        var byReason: [String: Int] = [:]
        for group in summary { byReason[group.reason, default: 0] += group.count }
        return try APIResponse.json(RunDetailsJSON(
            run: RunJSON(run),
            counts: .init(
                source: run.sourceCount, kept: run.keptCount, filtered: run.filteredCount, downloaded: run.downloadedCount,
                downloadedBytes: run.downloadedBytes),
            modes: .init(active: modes.active, passiveStored: modes.passiveStored, passivePending: modes.passivePending),
            filteredByReason: byReason,
            groups: summary.map { .init(reason: $0.reason, title: RunDetailsPage.title(ofReason: $0.reason), detail: $0.detail, count: $0.count) },
            filtered: page.items.map { .init(subdir: $0.subdir, filename: $0.filename, reason: $0.reason, detail: $0.detail) },
            total: page.total, offset: offset, limit: limit))
    }

    /// A whole-number query parameter, `fallback` when absent; not a number or below `minimum` is a 400 naming it.
    static func integer(_ raw: String?, field: String, default fallback: Int, minimum: Int) throws -> Int {
        guard let raw, !raw.isEmpty else { return fallback }
        guard let value = Int(raw), value >= minimum else {
            throw StoreError.invalid(ValidationErrors(field: field, message: "“\(raw)” is not a valid \(field): use a whole number from \(minimum)."))
        }
        return value
    }
}
