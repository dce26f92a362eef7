import DepotCore
import DepotStore
import Foundation
import Hummingbird

struct PolicyJSON: Encodable {
    let id: Int64
    let org: String
    let name: String
    let description: String
    let allow: [String]
    let block: [String]
    let includeDependencies: Bool
    let licenseBlock: [String]
    let blockMissingLicense: Bool
    let coolingOffDays: Int?
    let excludeBefore: String?
    let subdirs: [String]
    let appliedTo: [String]
    let createdAt: Date
    let updatedAt: Date

    init(_ policy: PolicyRecord, org: String, appliedTo: [String]) {
        let rules = policy.decodedRules
        id = policy.id!
        self.org = org
        name = policy.name
        description = policy.description
        allow = rules.allow
        block = rules.block
        includeDependencies = rules.includeDependencies
        licenseBlock = rules.licenseBlock
        blockMissingLicense = rules.blockMissingLicense
        coolingOffDays = rules.coolingOffDays
        excludeBefore = rules.excludeBefore
        subdirs = rules.subdirs
        self.appliedTo = appliedTo
        createdAt = policy.createdAt
        updatedAt = policy.updatedAt
    }
}

/// `POST /api/v1/policies` and, for PATCH, every field optional.
struct PolicyBody: Decodable {
    let org: String?
    let name: String?
    let description: String?
    let allow: [String]?
    let block: [String]?
    let includeDependencies: Bool?
    let licenseBlock: [String]?
    let blockMissingLicense: Bool?
    let coolingOffDays: Int?
    let excludeBefore: String?
    let subdirs: [String]?

    /// The body laid over `base` (a policy being edited, or an empty one).
    func input(over base: PolicyInput) -> PolicyInput {
        PolicyInput(
            name: name ?? base.name, description: description ?? base.description, allow: allow ?? base.allow, block: block ?? base.block,
            includeDependencies: includeDependencies ?? base.includeDependencies, licenseBlock: licenseBlock ?? base.licenseBlock,
            blockMissingLicense: blockMissingLicense ?? base.blockMissingLicense,
            coolingOffDays: coolingOffDays.map(String.init) ?? base.coolingOffDays, excludeBefore: excludeBefore ?? base.excludeBefore,
            subdirs: subdirs ?? base.subdirs)
    }
}

/// Policies through the JSON API, with the same checks as the Policies pages.
struct PolicyAPIController {
    let services: AppServices
    var database: AppDatabase { services.database }

    func addRoutes(to router: RouterGroup<DepotContext>) {
        let api = router.group("/api/v1")
        api.get("/policies", use: list)
        api.post("/policies", use: create)
        api.get("/policies/:id", use: show)
        api.patch("/policies/:id", use: update)
        api.delete("/policies/:id", use: delete)
    }

    func policy(_ context: DepotContext, _ action: PermissionAction) async throws -> (PolicyRecord, OrgRecord) {
        try context.requireUser()
        let id = try context.parameters.require("id", as: Int64.self)
        guard let policy = try await database.policy(id: id), let org = try await database.org(id: policy.orgID),
              context.principal.isMember(of: org.id!)
        else { throw AppError.notFound("policy") }
        try context.require(action, on: .policies, in: org.id!, what: "policy")
        return (policy, org)
    }

    func json(_ policy: PolicyRecord, org: OrgRecord) async throws -> PolicyJSON {
        PolicyJSON(policy, org: org.name, appliedTo: try await database.policyUsers(id: policy.id!))
    }

    /// Every policy of the organisations whose policies the caller may view; `?org=` narrows to one.
    @Sendable func list(_ request: Request, context: DepotContext) async throws -> Response {
        try context.requireUser()
        let only = request.uri.queryParameters["org"].map(String.init)
        var items: [PolicyJSON] = []
        for org in try await database.orgs() where only == nil || org.name == only {
            guard context.principal.isMember(of: org.id!), context.principal.can(.view, on: .policies, in: org.id!) else { continue }
            for policy in try await database.policies(org: org.id!) { items.append(try await json(policy, org: org)) }
        }
        return try APIResponse.json(ListJSON(items: items))
    }

    @Sendable func show(_ request: Request, context: DepotContext) async throws -> Response {
        let (policy, org) = try await policy(context, .view)
        return try APIResponse.json(try await json(policy, org: org))
    }

    @Sendable func create(_ request: Request, context: DepotContext) async throws -> Response {
        try context.requireUser()
        let body = try await APIController(services: services).body(request, context, as: PolicyBody.self)
        guard let orgName = body.org, let org = try await database.org(named: orgName), context.principal.isMember(of: org.id!) else {
            throw StoreError.invalid(ValidationErrors(field: "org", message: "There is no organisation “\((body.org ?? "").prefix(64))” you belong to."))
        }
        try context.require(.create, on: .policies, in: org.id!, what: "policy")
        switch body.input(over: PolicyInput(name: "")).validate() {
        case .failure(let errors): throw StoreError.invalid(errors)
        case .success(let valid):
            let policy = try await database.createPolicy(org: org.id!, valid, by: context.auditActor)
            return try APIResponse.json(try await json(policy, org: org), status: .created)
        }
    }

    @Sendable func update(_ request: Request, context: DepotContext) async throws -> Response {
        let (policy, org) = try await policy(context, .edit)
        let body = try await APIController(services: services).body(request, context, as: PolicyBody.self)
        switch body.input(over: PoliciesController.input(policy)).validate() {
        case .failure(let errors): throw StoreError.invalid(errors)
        case .success(let valid):
            let saved = try await database.updatePolicy(id: policy.id!, valid, by: context.auditActor)
            return try APIResponse.json(try await json(saved, org: org))
        }
    }

    @Sendable func delete(_ request: Request, context: DepotContext) async throws -> Response {
        let (policy, _) = try await policy(context, .delete)
        try await database.deletePolicy(id: policy.id!, by: context.auditActor)
        return Response(status: .noContent)
    }
}
