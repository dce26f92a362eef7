import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// An organisation's policies: list, create, view (read-only, what "View Applied Policy" opens), edit, delete.
struct PoliciesController {
    let services: AppServices
    var database: AppDatabase { services.database }

    func addRoutes(to router: RouterGroup<DepotContext>) {
        router.get("/orgs/:org/policies", use: list)
        router.post("/orgs/:org/policies", use: create)
        router.get("/orgs/:org/policies/new", use: newForm)
        router.get("/orgs/:org/policies/:id", use: show)
        router.get("/orgs/:org/policies/:id/edit", use: editForm)
        router.post("/orgs/:org/policies/:id/edit", use: update)
        router.post("/orgs/:org/policies/:id/delete", use: delete)
    }

    func org(_ context: DepotContext, _ action: PermissionAction) async throws -> (OrgRecord, Int64) {
        let (org, id) = try await services.org(fromPath: context)
        try context.require(action, on: .policies, in: id, what: "policy")
        return (org, id)
    }

    func policy(_ context: DepotContext, org: Int64) async throws -> PolicyRecord {
        let id = try context.parameters.require("id", as: Int64.self)
        guard let policy = try await database.policy(id: id), policy.orgID == org else { throw AppError.notFound("policy") }
        return policy
    }

    @Sendable func list(_ request: Request, context: DepotContext) async throws -> Response {
        let (org, id) = try await org(context, .view)
        var rows: [PolicyRow] = []
        for policy in try await database.policies(org: id) {
            let users = try await database.policyUsers(id: policy.id!)
            rows.append(PolicyRow(
                name: policy.name, url: SitePath.policy(org.name, policy.id!), description: policy.description,
                summary: policy.decodedRules.summary, usedBy: users.isEmpty ? "not applied" : users.joined(separator: ", ")))
        }
        let page = PoliciesPage(
            site: Site(context: context, section: "orgs"), title: "Policies of \(org.name)", orgName: org.name,
            orgURL: SitePath.org(org.name), newURL: SitePath.org(org.name, "policies/new"), policies: rows,
            canCreate: context.principal.can(.create, on: .policies, in: id))
        return try services.renderer.response("policies", page)
    }

    @Sendable func show(_ request: Request, context: DepotContext) async throws -> Response {
        let (org, id) = try await org(context, .view)
        let policy = try await policy(context, org: id)
        let page = PolicyPage(
            site: Site(context: context, section: "orgs"), org: org, policy: policy, usedBy: try await database.policyUsers(id: policy.id!),
            canEdit: context.principal.can(.edit, on: .policies, in: id), canDelete: context.principal.can(.delete, on: .policies, in: id))
        return try services.renderer.response("policy", page)
    }

    @Sendable func newForm(_ request: Request, context: DepotContext) async throws -> Response {
        let (org, _) = try await org(context, .create)
        let input = PolicyInput(name: "", includeDependencies: true)
        return try render(context, org: org, policyID: nil, input: input, errors: ValidationErrors(), status: .ok)
    }

    @Sendable func editForm(_ request: Request, context: DepotContext) async throws -> Response {
        let (org, id) = try await org(context, .edit)
        let policy = try await policy(context, org: id)
        return try render(context, org: org, policyID: policy.id, input: Self.input(policy), errors: ValidationErrors(), status: .ok)
    }

    static func input(_ policy: PolicyRecord) -> PolicyInput {
        let rules = policy.decodedRules
        return PolicyInput(
            name: policy.name, description: policy.description, allow: rules.allow, block: rules.block,
            includeDependencies: rules.includeDependencies, licenseBlock: rules.licenseBlock, blockMissingLicense: rules.blockMissingLicense,
            coolingOffDays: rules.coolingOffDays.map(String.init) ?? "", excludeBefore: rules.excludeBefore ?? "", subdirs: rules.subdirs)
    }

    func render(
        _ context: DepotContext, org: OrgRecord, policyID: Int64?, input: PolicyInput, errors: ValidationErrors, status: HTTPResponse.Status
    ) throws -> Response {
        let page = PolicyFormPage(site: Site(context: context, section: "orgs"), org: org, policyID: policyID, input: input, errors: errors)
        return try services.renderer.response("policy-form", page, status: status)
    }

    /// The form's fields: rules one per line, licence patterns one per line or comma-separated.
    static func input(from form: FormData) -> PolicyInput {
        let other = form.text("other_subdirs").split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
        return PolicyInput(
            name: form.text("name"), description: form.text("description"),
            allow: PolicyInput.lines(form["allow"]), block: PolicyInput.lines(form["block"]),
            includeDependencies: form.has("include_dependencies"),
            licenseBlock: PolicyInput.lines(form["license_block"]).flatMap { $0.split(separator: ",").map(String.init) },
            blockMissingLicense: form.has("block_missing_license"), coolingOffDays: form.text("cooling_off_days"),
            excludeBefore: form.text("exclude_before"), subdirs: form.values("subdirs") + other)
    }

    @Sendable func create(_ request: Request, context: DepotContext) async throws -> Response {
        let (org, id) = try await org(context, .create)
        let input = Self.input(from: context.form)
        switch input.validate() {
        case .failure(let errors):
            return try render(context, org: org, policyID: nil, input: input, errors: errors, status: .badRequest)
        case .success(let valid):
            do {
                let policy = try await database.createPolicy(org: id, valid, by: context.auditActor)
                return Redirect.to(SitePath.policy(org.name, policy.id!), flash: "Policy \(policy.name) created.")
            } catch let error as StoreError {
                return try render(context, org: org, policyID: nil, input: input, errors: error.validationErrors, status: .badRequest)
            }
        }
    }

    @Sendable func update(_ request: Request, context: DepotContext) async throws -> Response {
        let (org, id) = try await org(context, .edit)
        let policy = try await policy(context, org: id)
        let input = Self.input(from: context.form)
        switch input.validate() {
        case .failure(let errors):
            return try render(context, org: org, policyID: policy.id, input: input, errors: errors, status: .badRequest)
        case .success(let valid):
            do {
                let saved = try await database.updatePolicy(id: policy.id!, valid, by: context.auditActor)
                return Redirect.to(SitePath.policy(org.name, saved.id!), flash: "Policy \(saved.name) saved. Mirrors apply it at their next run.")
            } catch let error as StoreError {
                return try render(context, org: org, policyID: policy.id, input: input, errors: error.validationErrors, status: .badRequest)
            }
        }
    }

    @Sendable func delete(_ request: Request, context: DepotContext) async throws -> Response {
        let (org, id) = try await org(context, .delete)
        let policy = try await policy(context, org: id)
        do {
            try await database.deletePolicy(id: policy.id!, by: context.auditActor)
            return Redirect.to(SitePath.org(org.name, "policies"), flash: "Policy \(policy.name) deleted.")
        } catch StoreError.conflict(let message) {
            return Redirect.to(SitePath.policy(org.name, policy.id!), flash: message)
        }
    }
}
