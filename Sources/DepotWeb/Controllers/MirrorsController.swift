import DepotCore
import DepotMirror
import DepotStore
import Foundation
import Hummingbird

/// The Create Mirror form, a mirror's details (runs and filtered packages) and Run now, under a channel.
struct MirrorsController {
    let services: AppServices
    var database: AppDatabase { services.database }

    static let frequencies: [(value: String, label: String, cron: String)] = [
        ("daily", "Daily", "0 0 * * *"), ("weekly", "Weekly", "0 0 * * 0"), ("monthly", "Monthly", "0 0 1 * *"),
        ("yearly", "Yearly", "0 0 1 1 *"), ("custom", "Custom", ""),
    ]

    func addRoutes(to router: RouterGroup<DepotContext>) {
        for base in ["/channels/:c", "/channels/:c/:s"] {
            router.get(RouterPath(base + "/-/new-mirror"), use: newForm)
            router.post(RouterPath(base + "/-/mirrors"), use: create)
            router.get(RouterPath(base + "/-/mirrors/:id"), use: details)
            router.post(RouterPath(base + "/-/mirrors/:id/run"), use: runNow)
            router.get(RouterPath(base + "/-/mirrors/:id/edit"), use: editForm)
            router.post(RouterPath(base + "/-/mirrors/:id/edit"), use: update)
            router.post(RouterPath(base + "/-/mirrors/:id/stop"), use: stop)
            router.post(RouterPath(base + "/-/mirrors/:id/restart"), use: restart)
            router.get(RouterPath(base + "/-/mirrors/:id/delete"), use: confirmDelete)
            router.post(RouterPath(base + "/-/mirrors/:id/delete"), use: delete)
        }
        router.get("/mirrors", use: all)
    }

    /// The channel in the path and the mirror category that governs its mirrors.
    func channel(_ context: DepotContext, _ action: PermissionAction) async throws -> (ChannelRecord, PermissionCategory) {
        let channel = try await services.channel(fromPath: context)
        let category: PermissionCategory = channel.isSubchannel ? .subchannelMirrors : .channelMirrors
        try context.require(action, on: category, in: channel.orgID, what: "mirror")
        return (channel, category)
    }

    @Sendable func newForm(_ request: Request, context: DepotContext) async throws -> Response {
        let (channel, _) = try await channel(context, .create)
        let requested = request.uri.queryParameters["type"].map(String.init) ?? ""
        let type = ["python", "r"].contains(requested) ? requested : "conda"
        let input = MirrorInput(
            name: "", type: type, mode: "active", sourceURL: "", subdirs: type == "conda" ? ["noarch", "linux-64"] : [],
            cron: MirrorInput.defaultCron, runNow: true)
        return try await render(context, channel: channel, input: input, frequency: "monthly", errors: ValidationErrors(), status: .ok)
    }

    func render(
        _ context: DepotContext, channel: ChannelRecord, input: MirrorInput, frequency: String, errors: ValidationErrors,
        status: HTTPResponse.Status, editing: MirrorRecord? = nil, policyChoice: Int64? = nil
    ) async throws -> Response {
        let existing = try await database.mirrors(channelID: channel.id!).filter { $0.id != editing?.id }
        let offered = MirrorInput.offeredSubdirs
        let expression = try? CronExpression(input.cron)
        let upcoming = expression?.upcoming(after: Int64(Date().timeIntervalSince1970), count: 3)
            .map { DisplayDate.string(Date(timeIntervalSince1970: TimeInterval($0))) } ?? []
        var page = MirrorFormPage(
            site: Site(context: context, section: "channels"),
            title: editing.map { "Edit mirror \($0.name)" } ?? "Create mirror in \(channel.fullName)",
            channelName: channel.fullName,
            action: editing.map { SitePath.channel(channel.fullName, "mirrors/\($0.id!)/edit") } ?? SitePath.channel(channel.fullName, "mirrors"),
            cancelURL: SitePath.channel(channel.fullName, "mirrors"), name: input.name,
            modeActive: input.mode != "passive", modePassive: input.mode == "passive", sourceURL: input.sourceURL,
            subdirs: offered.map { .init(value: $0, checked: input.subdirs.contains($0)) },
            otherSubdirs: input.subdirs.filter { !offered.contains($0) }.joined(separator: ", "),
            frequencies: Self.frequencies.map { SelectOption(value: $0.value, label: "\($0.label)\($0.cron.isEmpty ? "" : " (\($0.cron))")", selected: $0.value == frequency) },
            cron: input.cron, runNow: input.runNow,
            warnExistingMirror: !existing.isEmpty, existingMirrors: existing.map(\.name).joined(separator: ", "),
            warnNotFrozen: !channel.frozen && editing == nil, isEdit: editing != nil,
            modeTitle: MirrorMode(rawValue: input.mode)?.title ?? input.mode, upcoming: upcoming,
            warnFrequency: expression?.runsMoreOftenThanDaily ?? false,
            isConda: input.type == "conda", isPython: input.type == "python", isR: input.type == "r",
            hasFilters: input.type != "conda", exclude: input.exclude, include: input.include,
            licences: MirrorInput.licenceFamilies.map { MirrorFormPage.Check(value: $0, checked: input.licenseExclude.contains($0)) },
            typeSwitchURL: SitePath.channel(channel.fullName, "new-mirror"), errors: MirrorFieldErrors(errors))
        if input.type == "conda" {
            let policies = try await database.policies(org: channel.orgID)
            let orgName = try await database.org(id: channel.orgID)?.name ?? ""
            let canViewPolicies = context.principal.can(.view, on: .policies, in: channel.orgID)
            let channelPolicy = policies.first { $0.id == channel.policyID }
            page.channelPolicyName = channelPolicy?.name
            page.channelPolicyURL = canViewPolicies ? channelPolicy.map { SitePath.policy(orgName, $0.id!) } : nil
            page.policyOptions = [SelectOption(
                value: "", label: "Use the channel's policy (\(channelPolicy?.name ?? "none"))", selected: policyChoice == nil)]
                + policies.map { SelectOption(value: String($0.id!), label: $0.name, selected: $0.id == policyChoice) }
            let applied = policies.first { $0.id == (policyChoice ?? channel.policyID) }
            page.appliedPolicyURL = canViewPolicies ? applied.map { SitePath.policy(orgName, $0.id!) } : nil
        }
        return try services.renderer.response("mirror-form", page, status: status)
    }

    @Sendable func create(_ request: Request, context: DepotContext) async throws -> Response {
        let (channel, _) = try await channel(context, .create)
        let (input, frequency) = Self.input(from: context.form)
        let policyChoice = Int64(context.form.text("policy"))
        do {
            let mirror = try await MirrorCreation.create(input, in: channel, policyID: policyChoice, services: services, actor: context.auditActor)
            let message = input.runNow ? "Mirror \(mirror.name) created; its first run is queued." : "Mirror \(mirror.name) created."
            return Redirect.to(SitePath.channel(channel.fullName, "mirrors"), flash: message)
        } catch let error as StoreError {
            // The URL is shown back as typed only when it holds no secret.
            var shown = input
            if Redaction.url(input.sourceURL) != input.sourceURL { shown.sourceURL = "" }
            var errors = error.validationErrors
            if shown.sourceURL.isEmpty && !input.sourceURL.isEmpty && errors["source_url"] == nil {
                errors.add("source_url", "Enter the URL again: it holds a token, which is never shown back.")
            }
            return try await render(
                context, channel: channel, input: shown, frequency: frequency, errors: errors, status: .badRequest, policyChoice: policyChoice)
        }
    }

    func mirror(_ context: DepotContext, channel: ChannelRecord) async throws -> MirrorRecord {
        let id = try context.parameters.require("id", as: Int64.self)
        guard let mirror = try await database.mirror(id: id), mirror.channelID == channel.id else { throw AppError.notFound("mirror") }
        return mirror
    }

    @Sendable func details(_ request: Request, context: DepotContext) async throws -> Response {
        let (channel, category) = try await channel(context, .view)
        let mirror = try await mirror(context, channel: channel)
        let runs = try await database.runs(mirrorID: mirror.id!)
        let latest = runs.first
        var groups: [FilteredGroup] = []
        if let latest {
            var counts: [String: Int] = [:]
            for group in try await database.filteredSummary(runID: latest.id!) { counts[group.reason, default: 0] += group.count }
            let runURL = SitePath.channel(channel.fullName, "mirrors/\(mirror.id!)/runs/\(latest.id!)")
            groups = counts.map { reason, count in
                FilteredGroup(
                    reason: RunDetailsPage.title(ofReason: reason), count: count,
                    url: runURL + "?reason=" + (reason.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? ""))
            }.sorted { $0.reason < $1.reason }
        }
        var row = MirrorRow(mirror, channel: channel.fullName)
        row.canManage = context.principal.can(.edit, on: category, in: channel.orgID)
        var page = MirrorDetailsPage(
            site: Site(context: context, section: "channels"), title: "Mirror \(mirror.name)", channelName: channel.fullName,
            channelURL: SitePath.channel(channel.fullName, "mirrors"), mirror: row,
            runs: runs.map(RunRow.init), latestRun: latest.map(RunRow.init), filtered: groups,
            canRun: context.principal.can(.create, on: category, in: channel.orgID),
            canManage: context.principal.can(.edit, on: category, in: channel.orgID))
        if mirror.type == MirrorType.conda.rawValue, let policy = try await database.effectivePolicy(mirror: mirror) {
            page.policyName = policy.name
            page.policySource = mirror.policyID == nil ? "the channel's policy" : "the mirror's own policy"
            if context.principal.can(.view, on: .policies, in: channel.orgID), let org = try await database.org(id: channel.orgID) {
                page.policyURL = SitePath.policy(org.name, policy.id!)
            }
        }
        if let reportRun = try await database.latestReportRun(mirrorID: mirror.id!) {
            let links = DependencyReportController.links(channel: channel.fullName, mirrorID: mirror.id!, runID: reportRun)
            page.reportJSONURL = links.json
            page.reportCSVURL = links.csv
        }
        return try services.renderer.response("mirror", page)
    }

    @Sendable func runNow(_ request: Request, context: DepotContext) async throws -> Response {
        let (channel, _) = try await channel(context, .create)
        let mirror = try await mirror(context, channel: channel)
        try await services.mirrors.enqueue(mirrorID: mirror.id!, trigger: "run now by \(context.auditActor.name)")
        return Redirect.to(SitePath.channel(channel.fullName, "mirrors"), flash: "A run of \(mirror.name) is queued.")
    }
}

extension MirrorsController {
    /// The form a create or edit POST sent, as a `MirrorInput` and the chosen frequency preset.
    static func input(from form: FormData, mode: String? = nil) -> (MirrorInput, String) {
        let frequency = form.text("frequency")
        let preset = frequencies.first { $0.value == frequency && !$0.cron.isEmpty }
        let other = form.text("other_subdirs").split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }).map(String.init)
        var input = MirrorInput(
            name: form.text("name"), type: form.text("type").isEmpty ? "conda" : form.text("type"), mode: mode ?? form.text("mode"),
            sourceURL: form.text("source_url"), subdirs: form.values("subdirs") + other,
            cron: preset?.cron ?? form.text("cron"), runNow: form.has("run_now"))
        input.exclude = form["exclude"]
        input.include = form["include"]
        input.licenseExclude = form.values("license_exclude")
        return (input, frequency)
    }

    static func frequency(for cron: String) -> String {
        frequencies.first { $0.cron == cron }?.value ?? "custom"
    }

    @Sendable func editForm(_ request: Request, context: DepotContext) async throws -> Response {
        let (channel, _) = try await channel(context, .edit)
        let mirror = try await mirror(context, channel: channel)
        var input = MirrorInput(
            name: mirror.name, type: mirror.type, mode: mirror.mode, sourceURL: "", subdirs: mirror.subdirList, cron: mirror.cron, runNow: false)
        input.exclude = mirror.exclude
        input.include = mirror.include
        input.licenseExclude = mirror.licenseExclude.split(whereSeparator: \.isNewline).map(String.init)
        return try await render(
            context, channel: channel, input: input, frequency: Self.frequency(for: mirror.cron), errors: ValidationErrors(), status: .ok,
            editing: mirror, policyChoice: mirror.policyID)
    }

    @Sendable func update(_ request: Request, context: DepotContext) async throws -> Response {
        let (channel, _) = try await channel(context, .edit)
        let mirror = try await mirror(context, channel: channel)
        let (input, frequency) = Self.input(from: context.form, mode: mirror.mode)
        let policyChoice = Int64(context.form.text("policy"))
        do {
            let updated = try await MirrorCreation.update(
                mirror, name: input.name, sourceURL: input.sourceURL, subdirs: input.subdirs, cron: input.cron,
                exclude: input.exclude, include: input.include, licenseExclude: input.licenseExclude, policyID: .some(policyChoice),
                services: services, actor: context.auditActor)
            return Redirect.to(SitePath.channel(channel.fullName, "mirrors"), flash: "Mirror \(updated.name) saved; changes apply from its next run.")
        } catch let error as StoreError {
            var shown = input
            shown.sourceURL = ""
            return try await render(
                context, channel: channel, input: shown, frequency: frequency, errors: error.validationErrors, status: .badRequest,
                editing: mirror, policyChoice: policyChoice)
        }
    }

    @Sendable func stop(_ request: Request, context: DepotContext) async throws -> Response {
        let (channel, _) = try await channel(context, .stop)
        let mirror = try await mirror(context, channel: channel)
        let run = try await services.mirrors.stop(mirrorID: mirror.id!, by: context.auditActor, timeout: .seconds(2))
        let message = run == nil ? "\(mirror.name) was not running." : "\(mirror.name): \(RunStatus(rawValue: run!.status)?.title ?? run!.status)."
        return Redirect.to(SitePath.channel(channel.fullName, "mirrors"), flash: message)
    }

    @Sendable func restart(_ request: Request, context: DepotContext) async throws -> Response {
        let (channel, _) = try await channel(context, .restart)
        let mirror = try await mirror(context, channel: channel)
        try await services.mirrors.restart(mirrorID: mirror.id!, by: context.auditActor)
        return Redirect.to(SitePath.channel(channel.fullName, "mirrors"), flash: "\(mirror.name) restarts from the beginning.")
    }

    @Sendable func confirmDelete(_ request: Request, context: DepotContext) async throws -> Response {
        let (channel, _) = try await channel(context, .delete)
        let mirror = try await mirror(context, channel: channel)
        let count = try await database.packageCount(mirrorID: mirror.id!)
        let page = ConfirmMirrorDeletePage(
            site: Site(context: context, section: "channels"), title: "Delete mirror \(mirror.name)", name: mirror.name,
            channelName: channel.fullName, action: SitePath.channel(channel.fullName, "mirrors/\(mirror.id!)/delete"),
            cancelURL: SitePath.channel(channel.fullName, "mirrors"), packageCount: count,
            isRunning: RunStatus(rawValue: mirror.status)?.isActive ?? false)
        return try services.renderer.response("mirror-delete", page)
    }

    @Sendable func delete(_ request: Request, context: DepotContext) async throws -> Response {
        let (channel, _) = try await channel(context, .delete)
        let mirror = try await mirror(context, channel: channel)
        try await services.mirrors.delete(mirrorID: mirror.id!, by: context.auditActor)
        return Redirect.to(SitePath.channel(channel.fullName, "mirrors"), flash: "Mirror \(mirror.name) deleted; its packages left \(channel.fullName).")
    }

    /// Every mirror the caller may see (all of them for administrators), filtered by organisation, type and status.
    @Sendable func all(_ request: Request, context: DepotContext) async throws -> Response {
        try context.requireUser()
        let q = request.uri.queryParameters
        let orgFilter = q["org"].map(String.init) ?? ""
        let typeFilter = q["type"].map(String.init) ?? ""
        let statusFilter = q["status"].map(String.init) ?? ""
        let orgs = try await database.orgs().filter { context.principal.isMember(of: $0.id!) }
        let orgNames = Dictionary(uniqueKeysWithValues: orgs.map { ($0.id!, $0.name) })
        var rows: [MirrorRow] = []
        for mirror in try await database.allMirrors() {
            guard let channel = try await database.channel(id: mirror.channelID), let orgName = orgNames[channel.orgID],
                  context.principal.can(.view, on: channel.isSubchannel ? .subchannelMirrors : .channelMirrors, in: channel.orgID)
            else { continue }
            if !orgFilter.isEmpty && orgName != orgFilter { continue }
            if !typeFilter.isEmpty && mirror.type != typeFilter { continue }
            if !statusFilter.isEmpty && (mirror.status.isEmpty ? "new" : mirror.status) != statusFilter { continue }
            var row = MirrorRow(mirror, channel: channel.fullName)
            row.showChannel = true
            row.canManage = context.principal.can(.edit, on: channel.isSubchannel ? .subchannelMirrors : .channelMirrors, in: channel.orgID)
            rows.append(row)
        }
        let page = MirrorsPage(
            site: Site(context: context, section: "mirrors"), mirrors: rows,
            orgs: orgs.map { SelectOption(value: $0.name, label: $0.name, selected: $0.name == orgFilter) },
            types: MirrorType.allCases.map { SelectOption(value: $0.rawValue, label: $0.title, selected: $0.rawValue == typeFilter) },
            statuses: (["new"] + RunStatus.allCases.map(\.rawValue)).map {
                SelectOption(value: $0, label: RunStatus(rawValue: $0)?.title ?? "Never run", selected: $0 == statusFilter)
            },
            anyActive: rows.contains { $0.isRunning })
        return try services.renderer.response("mirrors", page)
    }
}
