import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// Channel pages: list, create, view (Packages / Mirrors / Settings tabs), edit, freeze, delete, subchannels.
struct ChannelsController {
    let services: AppServices
    var database: AppDatabase { services.database }

    func addRoutes(to router: RouterGroup<DepotContext>) {
        router.get("/", use: { _, _ in Redirect.to(SitePath.channels) })
        router.get("/channels", use: list)
        router.post("/channels", use: create)
        router.get("/channels/-/new", use: newForm)
        // A channel is `/channels/NAME`, a subchannel `/channels/NAME/CHILD`; actions follow `/-/`.
        for base in ["/channels/:c", "/channels/:c/:s"] {
            router.get(RouterPath(base), use: { try await show($0, $1, tab: "packages") })
            router.get(RouterPath(base + "/-/packages"), use: { try await show($0, $1, tab: "packages") })
            router.get(RouterPath(base + "/-/mirrors"), use: { try await show($0, $1, tab: "mirrors") })
            router.get(RouterPath(base + "/-/settings"), use: { try await show($0, $1, tab: "settings") })
            router.post(RouterPath(base + "/-/settings"), use: update)
            router.post(RouterPath(base + "/-/policy"), use: setPolicy)
            router.post(RouterPath(base + "/-/freeze"), use: { try await freeze($0, $1, frozen: true) })
            router.post(RouterPath(base + "/-/unfreeze"), use: { try await freeze($0, $1, frozen: false) })
            router.get(RouterPath(base + "/-/delete"), use: confirmDelete)
            router.post(RouterPath(base + "/-/delete"), use: delete)
        }
        router.get("/channels/:c/-/new-subchannel", use: newSubchannelForm)
        router.post("/channels/:c/-/subchannels", use: createSubchannel)
    }

    // MARK: Loading

    func channel(_ context: DepotContext, _ action: PermissionAction) async throws -> ChannelRecord {
        try await services.channel(fromPath: context, action)
    }

    func orgNames() async throws -> [Int64: String] {
        Dictionary(uniqueKeysWithValues: try await database.orgs().compactMap { org in org.id.map { ($0, org.name) } })
    }

    // MARK: List

    @Sendable func list(_ request: Request, context: DepotContext) async throws -> Response {
        let filter = (request.uri.queryParameters["q"].map(String.init) ?? "").trimmingCharacters(in: .whitespaces)
        let names = try await orgNames()
        let visible = try await database.channels(nameContains: filter).filter { context.can(.view, channel: $0) }
        let canCreate = try await creatableOrgs(context).isEmpty == false
        let page = ChannelListPage(
            site: Site(context: context, section: "channels"), filter: filter,
            channels: visible.map { ChannelRow($0, orgName: names[$0.orgID] ?? "") }, canCreate: canCreate)
        return try services.renderer.response("channels", page)
    }

    // MARK: Create

    /// Organisations where the caller may create channels.
    func creatableOrgs(_ context: DepotContext) async throws -> [OrgRecord] {
        guard context.user != nil else { return [] }
        return try await database.orgs().filter { org in
            org.id.map { context.principal.can(.create, on: .channels, in: $0) } ?? false
        }
    }

    @Sendable func newForm(_ request: Request, context: DepotContext) async throws -> Response {
        try context.requireUser()
        let orgs = try await creatableOrgs(context)
        guard !orgs.isEmpty else {
            throw AppError.forbidden("Your role does not allow you to create channels in any organisation.")
        }
        let preselected = request.uri.queryParameters["org"].map(String.init) ?? ""
        return try renderChannelForm(
            context, orgs: orgs, selectedOrg: preselected, input: ChannelInput(name: "", description: "", privacy: "public"),
            errors: ValidationErrors(), status: .ok)
    }

    func renderChannelForm(
        _ context: DepotContext, orgs: [OrgRecord], selectedOrg: String, input: ChannelInput, errors: ValidationErrors,
        status: HTTPResponse.Status
    ) throws -> Response {
        let page = ChannelFormPage(
            site: Site(context: context, section: "channels"), title: "Create channel", action: SitePath.channels,
            cancelURL: SitePath.channels, parentName: nil,
            orgs: orgs.map { SelectOption(value: $0.name, label: $0.name, selected: $0.name == selectedOrg || orgs.count == 1) },
            name: input.name, description: input.description,
            privacy: ChannelFormPage.privacyOptions(selected: input.privacy), errors: FieldErrors(errors))
        return try services.renderer.response("channel-form", page, status: status)
    }

    @Sendable func create(_ request: Request, context: DepotContext) async throws -> Response {
        try context.requireUser()
        let form = context.form
        let input = ChannelInput(name: form.text("name"), description: form.text("description"), privacy: form.text("privacy"))
        let orgs = try await creatableOrgs(context)
        let orgName = form.text("org")
        guard let org = orgs.first(where: { $0.name == orgName }), let orgID = org.id else {
            if orgs.isEmpty { throw AppError.forbidden("Your role does not allow you to create channels in any organisation.") }
            return try renderChannelForm(
                context, orgs: orgs, selectedOrg: orgName, input: input,
                errors: ValidationErrors(field: "org", message: "Choose an organisation."), status: .badRequest)
        }
        do {
            let channel = try await database.createChannel(org: orgID, parent: nil, input: input, by: context.auditActor)
            return Redirect.to(SitePath.channel(channel.fullName), flash: "Channel \(channel.fullName) created.")
        } catch let error as StoreError {
            return try renderChannelForm(
                context, orgs: orgs, selectedOrg: orgName, input: input, errors: error.validationErrors, status: .badRequest)
        }
    }

    @Sendable func newSubchannelForm(_ request: Request, context: DepotContext) async throws -> Response {
        let parent = try await channel(context, .view)
        try context.require(.create, on: .subchannels, in: parent.orgID, isPublic: parent.isPublic)
        return try renderSubchannelForm(
            context, parent: parent, input: ChannelInput(name: "", description: "", privacy: parent.privacy),
            errors: ValidationErrors(), status: .ok)
    }

    func renderSubchannelForm(
        _ context: DepotContext, parent: ChannelRecord, input: ChannelInput, errors: ValidationErrors, status: HTTPResponse.Status
    ) throws -> Response {
        let page = ChannelFormPage(
            site: Site(context: context, section: "channels"), title: "Create subchannel of \(parent.fullName)",
            action: SitePath.channel(parent.fullName, "subchannels"), cancelURL: SitePath.channel(parent.fullName),
            parentName: parent.fullName, orgs: [], name: input.name, description: input.description,
            privacy: ChannelFormPage.privacyOptions(selected: input.privacy), errors: FieldErrors(errors))
        return try services.renderer.response("channel-form", page, status: status)
    }

    @Sendable func createSubchannel(_ request: Request, context: DepotContext) async throws -> Response {
        let parent = try await channel(context, .view)
        try context.require(.create, on: .subchannels, in: parent.orgID, isPublic: parent.isPublic)
        let form = context.form
        let input = ChannelInput(name: form.text("name"), description: form.text("description"), privacy: form.text("privacy"))
        do {
            let channel = try await database.createChannel(org: parent.orgID, parent: parent, input: input, by: context.auditActor)
            return Redirect.to(SitePath.channel(channel.fullName), flash: "Subchannel \(channel.fullName) created.")
        } catch let error as StoreError {
            return try renderSubchannelForm(
                context, parent: parent, input: input, errors: error.validationErrors, status: .badRequest)
        }
    }

    // MARK: View and settings

    @Sendable func show(_ request: Request, _ context: DepotContext, tab: String) async throws -> Response {
        let channel = try await channel(context, .view)
        return try await renderChannel(
            request, context, channel: channel, tab: tab,
            input: ChannelInput(name: channel.name, description: channel.description, privacy: channel.privacy),
            errors: ValidationErrors(), status: .ok)
    }

    func renderChannel(
        _ request: Request, _ context: DepotContext, channel: ChannelRecord, tab: String, input: ChannelInput,
        errors: ValidationErrors, status: HTTPResponse.Status, policyError: String? = nil
    ) async throws -> Response {
        let names = try await orgNames()
        let orgName = names[channel.orgID] ?? ""
        let subchannels = channel.isSubchannel ? [] : try await database.subchannels(of: channel.id!)
            .filter { context.can(.view, channel: $0) }
        let parent = try await channel.parentID.asyncMap { try await database.channel(id: $0) } ?? nil
        let path = ChannelPath(fullName: channel.fullName) ?? ChannelPath(parent: channel.name)
        let tabs = [("packages", "Packages"), ("mirrors", "Mirrors"), ("settings", "Settings")].map { name, title in
            ChannelTab(
                name: name, title: title,
                url: name == "packages" ? SitePath.channel(channel.fullName) : SitePath.channel(channel.fullName, name),
                active: name == tab)
        }
        let manageMirrors = context.principal.can(.edit, on: channel.isSubchannel ? .subchannelMirrors : .channelMirrors, in: channel.orgID)
        let mirrors = try await database.mirrors(channelID: channel.id!).map { mirror -> MirrorRow in
            var row = MirrorRow(mirror, channel: channel.fullName)
            row.canManage = manageMirrors
            return row
        }
        var packages: [PackageRow] = []
        var summary = ""
        var previous: String?, next: String?
        let search = (request.uri.queryParameters["q"].map(String.init) ?? "").trimmingCharacters(in: .whitespaces)
        if tab == "packages" {
            let pageSize = 50
            let pageNumber = max(1, request.uri.queryParameters["page"].flatMap { Int(String($0)) } ?? 1)
            let (rows, total) = try await database.packagePage(
                channelID: channel.id!, search: search, limit: pageSize, offset: (pageNumber - 1) * pageSize)
            var blobs: [String: Bool] = [:]
            for row in rows {
                let key = row.blobSHA256 ?? row.sha256 ?? ""
                if blobs[key] == nil { blobs[key] = key.isEmpty ? false : await services.blobs.contains(sha256: key) }
            }
            let base = SitePath.channel(channel.fullName)
            let repo = services.baseURL(for: request) + "/api/repo/\(channel.fullName)"
            packages = rows.map {
                // Python files live under simple/files/; conda files under their subdir.
                let isPython = $0.subdir.hasPrefix("pypi/")
                let url = isPython
                    ? "\(repo)/simple/files/\($0.sha256 ?? $0.blobSHA256 ?? "_")/\($0.filename)" : "\(repo)/\($0.subdir)/\($0.filename)"
                return PackageRow(
                    name: $0.name, version: $0.version, build: $0.build, subdir: isPython ? "PyPI" : $0.subdir, filename: $0.filename,
                    size: $0.size.map(ByteFormat.string) ?? "", mode: $0.mode.capitalized,
                    cached: blobs[$0.blobSHA256 ?? $0.sha256 ?? ""] ?? false, url: url)
            }
            let first = total == 0 ? 0 : (pageNumber - 1) * pageSize + 1
            summary = total == 0 ? "" : "\(first)–\(first + rows.count - 1) of \(total) package files"
            let q = search.isEmpty ? "" : "&q=" + (search.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? "")
            if pageNumber > 1 { previous = "\(base)?page=\(pageNumber - 1)\(q)" }
            if pageNumber * pageSize < total { next = "\(base)?page=\(pageNumber + 1)\(q)" }
        }
        var page = ChannelPage(
            site: Site(context: context, section: "channels"),
            title: channel.fullName, fullName: channel.fullName, orgName: orgName, orgURL: SitePath.org(orgName),
            description: channel.description, privacy: ChannelPrivacy(rawValue: channel.privacy)?.title ?? channel.privacy,
            isPrivate: !channel.isPublic, frozen: channel.frozen, frozenAt: DisplayDate.string(channel.frozenAt),
            createdAt: DisplayDate.string(channel.createdAt),
            parentName: parent?.fullName, parentURL: parent.map { SitePath.channel($0.fullName) },
            isSubchannel: channel.isSubchannel, tabs: tabs,
            tabPackages: tab == "packages", tabMirrors: tab == "mirrors", tabSettings: tab == "settings",
            subchannels: subchannels.map { ChannelRow($0, orgName: orgName) }, hasSubchannels: !subchannels.isEmpty,
            snippets: ClientSnippets(baseURL: services.baseURL(for: request), channel: path, isPrivate: !channel.isPublic),
            canFreeze: context.can(.freeze, channel: channel),
            canEdit: context.can(.edit, channel: channel),
            canDelete: context.can(.delete, channel: channel),
            canCreateSubchannel: !channel.isSubchannel
                && context.principal.can(.create, on: .subchannels, in: channel.orgID),
            canCreateMirror: context.principal.can(.create, on: path.mirrorCategory, in: channel.orgID),
            freezeURL: SitePath.channel(channel.fullName, "freeze"),
            unfreezeURL: SitePath.channel(channel.fullName, "unfreeze"),
            deleteURL: SitePath.channel(channel.fullName, "delete"),
            settingsURL: SitePath.channel(channel.fullName, "settings"),
            newSubchannelURL: SitePath.channel(channel.fullName, "new-subchannel"),
            newMirrorURL: SitePath.channel(channel.fullName, "new-mirror"),
            mirrors: mirrors, anyRunning: mirrors.contains { $0.isRunning },
            packages: packages, packageSearch: search, packageSummary: summary, previousPageURL: previous, nextPageURL: next,
            formDescription: input.description,
            formPrivacy: ChannelFormPage.privacyOptions(selected: input.privacy),
            errors: FieldErrors(errors))
        // Only those who may view the organisation's policies learn which one applies, or may choose one.
        if tab == "settings", context.principal.can(.view, on: .policies, in: channel.orgID) {
            let policies = try await database.policies(org: channel.orgID)
            let applied = policies.first { $0.id == channel.policyID }
            page.policyOptions = [SelectOption(value: "", label: "No policy (mirror everything the filters keep)", selected: applied == nil)]
                + policies.map { SelectOption(value: String($0.id!), label: $0.name, selected: $0.id == channel.policyID) }
            if let applied {
                page.policyName = applied.name
                page.policyURL = SitePath.policy(orgName, applied.id!)
            }
            page.policyFormURL = SitePath.channel(channel.fullName, "policy")
            page.policyError = policyError
        }
        return try services.renderer.response("channel", page, status: status)
    }

    /// Applies a policy of the channel's organisation to the channel's mirrors, or none.
    @Sendable func setPolicy(_ request: Request, context: DepotContext) async throws -> Response {
        let channel = try await channel(context, .edit)
        try context.require(.view, on: .policies, in: channel.orgID, what: "policy")
        let value = context.form.text("policy")
        let input = ChannelInput(name: channel.name, description: channel.description, privacy: channel.privacy)
        func failed(_ message: String) async throws -> Response {
            try await renderChannel(
                request, context, channel: channel, tab: "settings", input: input, errors: ValidationErrors(), status: .badRequest,
                policyError: message)
        }
        guard value.isEmpty || Int64(value) != nil else { return try await failed("Choose a policy from the list.") }
        do {
            let updated = try await database.setChannelPolicy(channelID: channel.id!, policyID: Int64(value), by: context.auditActor)
            let message = updated.policyID == nil
                ? "\(updated.fullName) has no policy now; its mirrors apply it at their next run."
                : "Policy applied to \(updated.fullName); its mirrors apply it at their next run."
            return Redirect.to(SitePath.channel(updated.fullName, "settings"), flash: message)
        } catch StoreError.invalid(let errors) {
            return try await failed(errors["policy"] ?? errors.first?.message ?? "That policy cannot be applied.")
        }
    }

    @Sendable func update(_ request: Request, context: DepotContext) async throws -> Response {
        let channel = try await channel(context, .edit)
        let form = context.form
        let input = ChannelInput(name: channel.name, description: form.text("description"), privacy: form.text("privacy"))
        do {
            let updated = try await database.updateChannel(id: channel.id!, input: input, by: context.auditActor)
            return Redirect.to(SitePath.channel(updated.fullName, "settings"), flash: "Settings of \(updated.fullName) saved.")
        } catch let error as StoreError {
            return try await renderChannel(
                request, context, channel: channel, tab: "settings", input: input, errors: error.validationErrors,
                status: .badRequest)
        }
    }

    @Sendable func freeze(_ request: Request, _ context: DepotContext, frozen: Bool) async throws -> Response {
        let channel = try await channel(context, .freeze)
        let updated = try await database.setFrozen(channelID: channel.id!, frozen: frozen, by: context.auditActor)
        let message = frozen
            ? "\(updated.fullName) is frozen: clients keep getting its index as it is now until you unfreeze it."
            : "\(updated.fullName) is unfrozen: clients now get its current index."
        return Redirect.to(SitePath.channel(updated.fullName), flash: message)
    }

    // MARK: Delete

    @Sendable func confirmDelete(_ request: Request, context: DepotContext) async throws -> Response {
        let channel = try await channel(context, .delete)
        return try await renderConfirmDelete(context, channel: channel, errors: ValidationErrors(), status: .ok)
    }

    func renderConfirmDelete(
        _ context: DepotContext, channel: ChannelRecord, errors: ValidationErrors, status: HTTPResponse.Status
    ) async throws -> Response {
        let subchannels = channel.isSubchannel ? [] : try await database.subchannels(of: channel.id!).map(\.fullName)
        let page = ConfirmDeletePage(
            site: Site(context: context, section: "channels"), title: "Delete \(channel.fullName)",
            fullName: channel.fullName, action: SitePath.channel(channel.fullName, "delete"),
            cancelURL: SitePath.channel(channel.fullName), subchannels: subchannels,
            hasSubchannels: !subchannels.isEmpty, errors: FieldErrors(errors))
        return try services.renderer.response("channel-delete", page, status: status)
    }

    @Sendable func delete(_ request: Request, context: DepotContext) async throws -> Response {
        let channel = try await channel(context, .delete)
        guard context.form.text("confirm") == channel.fullName else {
            return try await renderConfirmDelete(
                context, channel: channel,
                errors: ValidationErrors(field: "confirm", message: "Type the channel's name, \(channel.fullName), to confirm."),
                status: .badRequest)
        }
        try await database.deleteChannel(id: channel.id!, by: context.auditActor)
        return Redirect.to(SitePath.channels, flash: "Channel \(channel.fullName) deleted.")
    }
}

extension StoreError {
    /// The error as per-field messages for a form.
    var validationErrors: ValidationErrors {
        switch self {
        case .invalid(let errors): errors
        case .duplicate(let field, let message): ValidationErrors(field: field, message: message)
        case .conflict(let message), .notFound(let message): ValidationErrors(field: "form", message: message)
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let value): try await transform(value)
        case .none: nil
        }
    }
}
