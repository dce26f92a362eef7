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
    }
}

struct RunDetailsJSON: Encodable {
    struct Item: Encodable {
        let subdir: String
        let filename: String
        let reason: String
        let detail: String
    }
    let run: RunJSON
    let filteredByReason: [String: Int]
    let filtered: [Item]
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
        let mirror = try await MirrorCreation.create(input, in: channel, services: services, actor: context.auditActor)
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
            licenseExclude: body.licenseExclude, services: services,
            actor: context.auditActor)
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

    @Sendable func details(_ request: Request, context: DepotContext) async throws -> Response {
        let (mirror, _) = try await mirror(context, .view)
        let run = try await runRecord(context, mirror: mirror)
        let filtered = try await database.filtered(runID: run.id!)
        var byReason: [String: Int] = [:]
        for item in filtered { byReason[item.reason, default: 0] += 1 }
        return try APIResponse.json(RunDetailsJSON(
            run: RunJSON(run), filteredByReason: byReason,
            filtered: filtered.map { .init(subdir: $0.subdir, filename: $0.filename, reason: $0.reason, detail: $0.detail) }))
    }
}

/// Creating a mirror, shared by the form and the API: validate, store, audit, and queue a run when asked.
enum MirrorCreation {
    static func create(_ input: MirrorInput, in channel: ChannelRecord, services: AppServices, actor: AuditActor) async throws -> MirrorRecord {
        let valid: MirrorInput.Valid
        switch input.validate() {
        case .success(let v): valid = v
        case .failure(let errors): throw StoreError.invalid(errors)
        }
        var record = MirrorRecord(
            channelID: channel.id!, name: valid.name, type: valid.type.rawValue, mode: valid.mode.rawValue,
            sourceURL: valid.source.value, subdirs: valid.subdirs, cron: valid.cron)
        record.exclude = valid.exclude
        record.include = valid.include
        record.licenseExclude = valid.licenseExclude.joined(separator: "\n")
        record.nextRunAt = Scheduler.nextRun(cron: valid.cron, after: Date())
        let mirror = try await services.database.createMirror(record, by: actor)
        if input.runNow {
            try await services.mirrors.enqueue(mirrorID: mirror.id!, trigger: "run now by \(actor.name)")
        }
        return mirror
    }

    /// Edits every field but the mode; an empty or absent source URL keeps the stored one (it is never shown back).
    static func update(
        _ mirror: MirrorRecord, name: String, sourceURL: String?, subdirs: [String], cron: String, exclude: String? = nil,
        include: String? = nil, licenseExclude: [String]? = nil, services: AppServices, actor: AuditActor
    ) async throws -> MirrorRecord {
        let keepSource = (sourceURL ?? "").trimmingCharacters(in: .whitespaces).isEmpty
        var input = MirrorInput(
            name: name, type: mirror.type, mode: mirror.mode, sourceURL: keepSource ? mirror.sourceURL : sourceURL!,
            subdirs: subdirs, cron: cron, runNow: false)
        input.exclude = exclude ?? mirror.exclude
        input.include = include ?? mirror.include
        input.licenseExclude = licenseExclude ?? mirror.licenseExclude.split(whereSeparator: \.isNewline).map(String.init)
        switch input.validate() {
        case .failure(let errors): throw StoreError.invalid(errors)
        case .success(let valid):
            let updated = try await services.database.updateMirror(
                id: mirror.id!, name: valid.name, sourceURL: keepSource ? nil : valid.source.value, subdirs: valid.subdirs,
                cron: valid.cron, nextRunAt: Scheduler.nextRun(cron: valid.cron, after: Date()), exclude: valid.exclude,
                include: valid.include, licenseExclude: valid.licenseExclude.joined(separator: "\n"), by: actor)
            // Subdirs no longer mirrored leave the channel's index now.
            let dropped = mirror.subdirList.filter { !valid.subdirs.contains($0) }
            for subdir in dropped {
                try await services.mirrors.parts.publisher.publish(channelID: mirror.channelID, subdir: subdir)
            }
            if !dropped.isEmpty { try await services.mirrors.parts.publisher.publishChanneldata(channelID: mirror.channelID) }
            return updated
        }
    }
}
