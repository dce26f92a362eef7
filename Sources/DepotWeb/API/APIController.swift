import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// The JSON API under `/api/v1`: the same operations and the same permission checks as the pages.
struct APIController {
    let services: AppServices
    var database: AppDatabase { services.database }

    func addRoutes(to router: RouterGroup<DepotContext>) {
        let api = router.group("/api/v1")
        api.get("/me", use: me)
        api.post("/users", use: createUser)
        api.get("/orgs", use: orgs)
        api.post("/orgs", use: createOrg)
        api.get("/orgs/:org/members", use: members)
        api.post("/orgs/:org/members", use: addMember)
        api.delete("/orgs/:org/members/:user", use: removeMember)
        api.get("/orgs/:org/audit", use: audit)
        api.get("/channels", use: channels)
        api.post("/channels", use: createChannel)
        api.get("/channels/:channel", use: channel)
        api.patch("/channels/:channel", use: updateChannel)
        api.delete("/channels/:channel", use: deleteChannel)
        api.post("/channels/:channel/freeze", use: { try await freeze($0, $1, frozen: true) })
        api.post("/channels/:channel/unfreeze", use: { try await freeze($0, $1, frozen: false) })
        api.get("/**", use: { _, _ -> Response in throw AppError.notFound("API endpoint") })
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    func body<T: Decodable>(_ request: Request, _ context: DepotContext, as type: T.Type) async throws -> T {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        do {
            return try Self.decoder.decode(T.self, from: Data(buffer: buffer))
        } catch let DecodingError.keyNotFound(key, _) {
            throw AppError.badRequest("The field “\(key.stringValue)” is missing.")
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
            let field = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            throw AppError.badRequest("The field “\(field)” has the wrong type.")
        } catch {
            throw AppError.badRequest("The request body is not valid JSON.")
        }
    }

    // MARK: Users and organisations

    @Sendable func me(_ request: Request, context: DepotContext) async throws -> Response {
        let user = try context.requireUser()
        return try APIResponse.json(UserJSON(name: user.name, admin: user.isAdmin, createdAt: user.createdAt))
    }

    @Sendable func createUser(_ request: Request, context: DepotContext) async throws -> Response {
        try context.requireAdmin()
        let body = try await body(request, context, as: CreateUserBody.self)
        if let message = Passwords.check(body.password) { throw StoreError.invalid(ValidationErrors(field: "password", message: message)) }
        let hash = try await services.passwords.hash(body.password)
        let user = try await database.createUser(name: body.name, passwordHash: hash, isAdmin: body.admin ?? false, by: context.auditActor)
        return try APIResponse.json(UserJSON(name: user.name, admin: user.isAdmin, createdAt: user.createdAt), status: .created)
    }

    @Sendable func orgs(_ request: Request, context: DepotContext) async throws -> Response {
        try context.requireUser()
        let orgs = try await database.orgs().filter { context.principal.isMember(of: $0.id!) }
        return try APIResponse.json(ListJSON(items: orgs.map { OrgJSON(name: $0.name, createdAt: $0.createdAt) }))
    }

    @Sendable func createOrg(_ request: Request, context: DepotContext) async throws -> Response {
        try context.requireAdmin()
        let body = try await body(request, context, as: CreateOrgBody.self)
        let org = try await database.createOrg(name: body.name, by: context.auditActor)
        return try APIResponse.json(OrgJSON(name: org.name, createdAt: org.createdAt), status: .created)
    }

    func org(_ context: DepotContext) async throws -> OrgRecord {
        try context.requireUser()
        guard let org = try await database.org(named: try context.parameters.require("org")),
              context.principal.isMember(of: org.id!)
        else { throw AppError.notFound("organisation") }
        return org
    }

    @Sendable func members(_ request: Request, context: DepotContext) async throws -> Response {
        let org = try await org(context)
        try context.require(.view, on: .members, in: org.id!)
        let members = try await database.members(of: org.id!)
        return try APIResponse.json(ListJSON(items: members.map { MemberJSON(user: $0.userName, role: $0.roleTitle) }))
    }

    @Sendable func addMember(_ request: Request, context: DepotContext) async throws -> Response {
        let org = try await org(context)
        let body = try await body(request, context, as: AddMemberBody.self)
        let existing = try await database.members(of: org.id!).contains { $0.userName.lowercased() == body.user.lowercased() }
        try context.require(existing ? .edit : .create, on: .members, in: org.id!)
        let role = try await roleRef(body.role, org: org.id!)
        try await database.setMember(org: org.id!, userName: body.user, role: role, by: context.auditActor)
        let member = try await database.members(of: org.id!).first { $0.userName.lowercased() == body.user.lowercased() }
        return try APIResponse.json(MemberJSON(user: member?.userName ?? body.user, role: member?.roleTitle ?? body.role), status: existing ? .ok : .created)
    }

    /// A role given by key (`owner`, `mirror-manager`), built-in title (`Mirror Manager`) or custom role name.
    func roleRef(_ text: String, org: Int64) async throws -> RoleRef {
        if let ref = RoleRef(key: text) { return ref }
        if let builtIn = BuiltInRole.allCases.first(where: { $0.title.lowercased() == text.lowercased() }) { return .builtIn(builtIn) }
        if let custom = try await database.customRoles(of: org).first(where: { $0.name.lowercased() == text.lowercased() }) {
            return .custom(custom.id!)
        }
        throw StoreError.invalid(ValidationErrors(field: "role", message: "There is no role “\(text)” in this organisation."))
    }

    @Sendable func removeMember(_ request: Request, context: DepotContext) async throws -> Response {
        let org = try await org(context)
        try context.require(.delete, on: .members, in: org.id!)
        guard let user = try await database.user(named: try context.parameters.require("user")) else { throw AppError.notFound("member") }
        try await database.removeMember(org: org.id!, userID: user.id!, by: context.auditActor)
        return Response(status: .noContent)
    }

    @Sendable func audit(_ request: Request, context: DepotContext) async throws -> Response {
        let org = try await org(context)
        try context.require(.view, on: .auditLog, in: org.id!)
        let before = request.uri.queryParameters["before"].flatMap { Int64(String($0)) }
        let entries = try await database.auditEntries(org: org.id, limit: 200, before: before)
        return try APIResponse.json(ListJSON(items: entries.map {
            AuditJSON(id: $0.id!, at: $0.at, actor: $0.actorName, org: org.name, action: $0.action, target: $0.target, details: $0.details)
        }))
    }

    // MARK: Channels

    func channelJSON(_ channel: ChannelRecord, _ request: Request, _ context: DepotContext) async throws -> ChannelJSON {
        let org = try await database.org(id: channel.orgID)
        let parent = try await channel.parentID.asyncMap { try await database.channel(id: $0) } ?? nil
        let subs = channel.isSubchannel ? [] : try await database.subchannels(of: channel.id!).filter { context.can(.view, channel: $0) }
        let mirrors = context.principal.can(.view, on: channel.isSubchannel ? .subchannelMirrors : .channelMirrors, in: channel.orgID)
            ? try await database.mirrors(channelID: channel.id!).map(\.name) : []
        // A policy's name is for those who may view the organisation's policies (a public channel is seen by anyone).
        let policy = context.principal.can(.view, on: .policies, in: channel.orgID)
            ? try await channel.policyID.asyncMap { try await database.policy(id: $0)?.name } ?? nil : nil
        return ChannelJSON(
            channel, org: org?.name ?? "", parent: parent?.fullName, subchannels: subs.map(\.fullName), mirrors: mirrors, policy: policy,
            baseURL: services.baseURL(for: request))
    }

    func channel(_ context: DepotContext, _ action: PermissionAction) async throws -> ChannelRecord {
        try await services.channel(fromAPI: context, action)
    }

    @Sendable func channels(_ request: Request, context: DepotContext) async throws -> Response {
        let filter = request.uri.queryParameters["q"].map(String.init)
        let visible = try await database.channels(nameContains: filter).filter { context.can(.view, channel: $0) }
        var items: [ChannelJSON] = []
        for channel in visible { items.append(try await channelJSON(channel, request, context)) }
        return try APIResponse.json(ListJSON(items: items))
    }

    @Sendable func channel(_ request: Request, context: DepotContext) async throws -> Response {
        let channel = try await channel(context, .view)
        return try APIResponse.json(try await channelJSON(channel, request, context))
    }

    @Sendable func createChannel(_ request: Request, context: DepotContext) async throws -> Response {
        try context.requireUser()
        let body = try await body(request, context, as: CreateChannelBody.self)
        guard let org = try await database.org(named: body.org), context.principal.isMember(of: org.id!) else {
            throw StoreError.invalid(ValidationErrors(field: "org", message: "There is no organisation “\(body.org)” you belong to."))
        }
        var parent: ChannelRecord?
        if let parentName = body.parent, !parentName.isEmpty {
            guard let found = try await database.channel(fullName: parentName), found.orgID == org.id else {
                throw StoreError.invalid(ValidationErrors(field: "parent", message: "There is no channel “\(parentName)” in \(org.name)."))
            }
            try context.require(.view, channel: found)
            parent = found
        }
        try context.require(.create, on: parent == nil ? .channels : .subchannels, in: org.id!)
        let input = ChannelInput(name: body.name, description: body.description ?? "", privacy: body.privacy ?? "public")
        let channel = try await database.createChannel(org: org.id!, parent: parent, input: input, by: context.auditActor)
        return try APIResponse.json(try await channelJSON(channel, request, context), status: .created)
    }

    @Sendable func updateChannel(_ request: Request, context: DepotContext) async throws -> Response {
        let channel = try await channel(context, .edit)
        let body = try await body(request, context, as: UpdateChannelBody.self)
        let input = ChannelInput(
            name: channel.name, description: body.description ?? channel.description, privacy: body.privacy ?? channel.privacy)
        // Everything is checked before anything is written, so a bad field changes nothing.
        let errors = input.validate(checkName: false)
        if !errors.isEmpty { throw StoreError.invalid(errors) }
        let policyID = try await body.policy.asyncMap { try await MirrorCreation.policyID(named: $0, in: channel, services: services) }
        var updated = channel
        if let policyID {
            updated = try await database.setChannelPolicy(channelID: channel.id!, policyID: policyID, by: context.auditActor)
        }
        updated = try await database.updateChannel(id: channel.id!, input: input, by: context.auditActor)
        return try APIResponse.json(try await channelJSON(updated, request, context))
    }

    @Sendable func deleteChannel(_ request: Request, context: DepotContext) async throws -> Response {
        let channel = try await channel(context, .delete)
        try await database.deleteChannel(id: channel.id!, by: context.auditActor)
        return Response(status: .noContent)
    }

    @Sendable func freeze(_ request: Request, _ context: DepotContext, frozen: Bool) async throws -> Response {
        let channel = try await channel(context, .freeze)
        let updated = try await database.setFrozen(channelID: channel.id!, frozen: frozen, by: context.auditActor)
        return try APIResponse.json(try await channelJSON(updated, request, context))
    }
}
