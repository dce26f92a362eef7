import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// Organisations: the list, each organisation's members, custom roles and audit log.
struct OrgsController {
    let services: AppServices
    var database: AppDatabase { services.database }

    func addRoutes(to router: RouterGroup<DepotContext>) {
        router.get("/orgs", use: list)
        router.post("/orgs", use: create)
        router.get("/orgs/:org", use: show)
        router.post("/orgs/:org/members", use: setMember)
        router.post("/orgs/:org/members/:user/remove", use: removeMember)
        router.get("/orgs/:org/roles", use: roles)
        router.get("/orgs/:org/roles/new", use: newRole)
        router.post("/orgs/:org/roles", use: saveRole)
        router.get("/orgs/:org/roles/:id", use: editRole)
        router.post("/orgs/:org/roles/:id", use: saveRole)
        router.post("/orgs/:org/roles/:id/delete", use: deleteRole)
        router.get("/orgs/:org/audit", use: audit)
    }

    func org(_ context: DepotContext) async throws -> (OrgRecord, Int64) {
        try await services.org(fromPath: context)
    }

    // MARK: List and create

    @Sendable func list(_ request: Request, context: DepotContext) async throws -> Response {
        try await renderList(context, name: "", errors: ValidationErrors(), status: .ok)
    }

    func renderList(_ context: DepotContext, name: String, errors: ValidationErrors, status: HTTPResponse.Status) async throws -> Response {
        try context.requireUser()
        let members = Dictionary(
            uniqueKeysWithValues: try await database.members(ofUser: context.user!.id!).map { ($0.orgID, $0.roleTitle) })
        let orgs = try await database.orgs().filter { context.principal.isMember(of: $0.id!) }
        let page = OrgListPage(
            site: Site(context: context, section: "orgs"),
            orgs: orgs.map { OrgRow(name: $0.name, url: SitePath.org($0.name), role: members[$0.id!] ?? "administrator") },
            canCreate: context.principal.isAdmin, name: name, errors: FieldErrors(errors))
        return try services.renderer.response("orgs", page, status: status)
    }

    @Sendable func create(_ request: Request, context: DepotContext) async throws -> Response {
        try context.requireAdmin()
        let name = context.form.text("name")
        do {
            let org = try await database.createOrg(name: name, by: context.auditActor)
            return Redirect.to(SitePath.org(org.name), flash: "Organisation \(org.name) created.")
        } catch let error as StoreError {
            return try await renderList(context, name: name, errors: error.validationErrors, status: .badRequest)
        }
    }

    // MARK: Organisation page and members

    @Sendable func show(_ request: Request, context: DepotContext) async throws -> Response {
        let (org, id) = try await org(context)
        return try await renderOrg(context, org: org, id: id, user: "", errors: ValidationErrors(), status: .ok)
    }

    func roleOptions(org: Int64, selected: String) async throws -> [SelectOption] {
        let builtIn = BuiltInRole.allCases.map { RoleRef.builtIn($0) }
        let custom = try await database.customRoles(of: org)
        var options = builtIn.map { ref -> SelectOption in
            guard case .builtIn(let role) = ref else { fatalError() }
            return SelectOption(value: ref.key, label: role.title, selected: ref.key == selected)
        }
        options += custom.map { SelectOption(value: RoleRef.custom($0.id!).key, label: $0.name, selected: RoleRef.custom($0.id!).key == selected) }
        return options
    }

    func renderOrg(
        _ context: DepotContext, org: OrgRecord, id: Int64, user: String, role: String = BuiltInRole.viewer.rawValue,
        errors: ValidationErrors, status: HTTPResponse.Status
    ) async throws -> Response {
        let p = context.principal
        let canSeeMembers = p.can(.view, on: .members, in: id)
        let members = canSeeMembers ? try await database.members(of: id) : []
        let channels = try await database.channels().filter { $0.orgID == id && context.can(.view, channel: $0) }
        let page = OrgPage(
            site: Site(context: context, section: "orgs"), title: org.name, name: org.name,
            channels: channels.map { ChannelRow($0, orgName: org.name) },
            canSeeMembers: canSeeMembers,
            members: members.map {
                MemberView(userName: $0.userName, role: $0.roleTitle, removeURL: SitePath.org(org.name, "members/\($0.userName)/remove"))
            },
            canAddMembers: p.can(.create, on: .members, in: id), canManageMembers: p.can(.delete, on: .members, in: id),
            membersURL: SitePath.org(org.name, "members"), rolesURL: SitePath.org(org.name, "roles"),
            auditURL: SitePath.org(org.name, "audit"), canSeeAudit: p.can(.view, on: .auditLog, in: id),
            policiesURL: SitePath.org(org.name, "policies"), canSeePolicies: p.can(.view, on: .policies, in: id),
            newChannelURL: SitePath.newChannel + "?org=\(org.name)", canCreateChannel: p.can(.create, on: .channels, in: id),
            roleOptions: try await roleOptions(org: id, selected: role), formUser: user, errors: FieldErrors(errors))
        return try services.renderer.response("org", page, status: status)
    }

    @Sendable func setMember(_ request: Request, context: DepotContext) async throws -> Response {
        let (org, id) = try await org(context)
        let userName = context.form.text("user")
        let roleKey = context.form.text("role")
        let existing = try await database.members(of: id).contains { $0.userName.lowercased() == userName.lowercased() }
        // Adding someone is creating; changing a member's role is editing.
        try context.require(existing ? .edit : .create, on: .members, in: id)
        guard let role = RoleRef(key: roleKey) else {
            return try await renderOrg(
                context, org: org, id: id, user: userName, role: roleKey,
                errors: ValidationErrors(field: "role", message: "Choose one of the listed roles."), status: .badRequest)
        }
        do {
            try await database.setMember(org: id, userName: userName, role: role, by: context.auditActor)
            return Redirect.to(SitePath.org(org.name), flash: "\(userName) is now a member of \(org.name).")
        } catch let error as StoreError {
            return try await renderOrg(
                context, org: org, id: id, user: userName, role: roleKey, errors: error.validationErrors, status: .badRequest)
        }
    }

    @Sendable func removeMember(_ request: Request, context: DepotContext) async throws -> Response {
        let (org, id) = try await org(context)
        try context.require(.delete, on: .members, in: id)
        let userName = try context.parameters.require("user")
        guard let user = try await database.user(named: userName) else { throw AppError.notFound("member") }
        try await database.removeMember(org: id, userID: user.id!, by: context.auditActor)
        return Redirect.to(SitePath.org(org.name), flash: "\(user.name) was removed from \(org.name).")
    }

    // MARK: Roles

    @Sendable func roles(_ request: Request, context: DepotContext) async throws -> Response {
        let (org, id) = try await org(context)
        try context.require(.view, on: .members, in: id)
        let builtIn = BuiltInRole.allCases.map { RoleView(name: $0.title, builtIn: true, editURL: "", grid: GridRow.grid($0.grants)) }
        let custom = try await database.customRoles(of: id).map { role in
            RoleView(
                name: role.name, builtIn: false, editURL: SitePath.role(org.name, role.id!),
                grid: GridRow.grid((try? RoleGrants(encoded: role.grants)) ?? RoleGrants()))
        }
        let page = RolesPage(
            site: Site(context: context, section: "orgs"), title: "Roles of \(org.name)", orgName: org.name,
            orgURL: SitePath.org(org.name), roles: builtIn + custom, canManage: context.principal.can(.edit, on: .members, in: id),
            levelTitles: PermissionLevel.allCases.map(\.title))
        return try services.renderer.response("roles", page)
    }

    @Sendable func newRole(_ request: Request, context: DepotContext) async throws -> Response {
        let (org, id) = try await org(context)
        try context.require(.edit, on: .members, in: id)
        return try renderRoleForm(context, org: org, roleID: nil, name: "", grants: BuiltInRole.viewer.grants, errors: ValidationErrors(), status: .ok)
    }

    @Sendable func editRole(_ request: Request, context: DepotContext) async throws -> Response {
        let (org, id) = try await org(context)
        try context.require(.edit, on: .members, in: id)
        let roleID = try context.parameters.require("id", as: Int64.self)
        guard let role = try await database.customRoles(of: id).first(where: { $0.id == roleID }) else {
            throw AppError.notFound("role")
        }
        return try renderRoleForm(
            context, org: org, roleID: roleID, name: role.name, grants: (try? RoleGrants(encoded: role.grants)) ?? RoleGrants(),
            errors: ValidationErrors(), status: .ok)
    }

    func renderRoleForm(
        _ context: DepotContext, org: OrgRecord, roleID: Int64?, name: String, grants: RoleGrants, errors: ValidationErrors,
        status: HTTPResponse.Status
    ) throws -> Response {
        let page = RoleFormPage(
            site: Site(context: context, section: "orgs"), title: roleID == nil ? "New role" : "Edit role \(name)",
            orgName: org.name, action: roleID.map { SitePath.role(org.name, $0) } ?? SitePath.org(org.name, "roles"),
            cancelURL: SitePath.org(org.name, "roles"), deleteURL: roleID.map { SitePath.role(org.name, $0) + "/delete" },
            name: name, grid: GridRow.grid(grants), levelTitles: PermissionLevel.allCases.map(\.title), errors: FieldErrors(errors))
        return try services.renderer.response("role-form", page, status: status)
    }

    @Sendable func saveRole(_ request: Request, context: DepotContext) async throws -> Response {
        let (org, id) = try await org(context)
        try context.require(.edit, on: .members, in: id)
        let roleID = context.parameters.get("id", as: Int64.self)
        let form = context.form
        var grants = RoleGrants()
        var errors = ValidationErrors()
        for category in PermissionCategory.allCases {
            let value = form.text("level_" + category.rawValue)
            if value.isEmpty { continue }
            guard let level = PermissionLevel(name: value) else {
                errors.add("form", "Choose a level for \(category.title).")
                continue
            }
            grants[category] = level
        }
        let name = form.text("name")
        if !errors.isEmpty {
            return try renderRoleForm(context, org: org, roleID: roleID, name: name, grants: grants, errors: errors, status: .badRequest)
        }
        do {
            let role = try await database.saveCustomRole(id: roleID, org: id, name: name, grants: grants, by: context.auditActor)
            return Redirect.to(SitePath.org(org.name, "roles"), flash: "Role \(role.name) saved.")
        } catch let error as StoreError {
            return try renderRoleForm(
                context, org: org, roleID: roleID, name: name, grants: grants, errors: error.validationErrors, status: .badRequest)
        }
    }

    @Sendable func deleteRole(_ request: Request, context: DepotContext) async throws -> Response {
        let (org, id) = try await org(context)
        try context.require(.delete, on: .members, in: id)
        let roleID = try context.parameters.require("id", as: Int64.self)
        do {
            try await database.deleteCustomRole(id: roleID, org: id, by: context.auditActor)
            return Redirect.to(SitePath.org(org.name, "roles"), flash: "Role deleted.")
        } catch StoreError.conflict(let message) {
            return Redirect.to(SitePath.org(org.name, "roles"), flash: message)
        }
    }

    // MARK: Audit log

    @Sendable func audit(_ request: Request, context: DepotContext) async throws -> Response {
        let (org, id) = try await org(context)
        try context.require(.view, on: .auditLog, in: id)
        return try await AuditView.render(services: services, request: request, context: context, org: org)
    }
}

/// The audit log page, for one organisation or (administrators) the whole instance.
enum AuditView {
    static let pageSize = 100

    static func render(services: AppServices, request: Request, context: DepotContext, org: OrgRecord?) async throws -> Response {
        let before = request.uri.queryParameters["before"].flatMap { Int64(String($0)) }
        let entries = try await services.database.auditEntries(org: org?.id, limit: pageSize, before: before)
        let names = Dictionary(uniqueKeysWithValues: try await services.database.orgs().map { ($0.id!, $0.name) })
        let path = org.map { SitePath.org($0.name, "audit") } ?? "/admin/audit"
        let page = AuditPage(
            site: Site(context: context, section: org == nil ? "admin" : "orgs"),
            title: org.map { "Audit log of \($0.name)" } ?? "Audit log", orgName: org?.name,
            entries: entries.map {
                AuditRow(
                    at: DisplayDate.string($0.at), actor: $0.actorName, org: $0.orgID.flatMap { names[$0] } ?? "",
                    action: $0.action, target: $0.target, details: $0.details)
            },
            olderURL: entries.count == pageSize ? entries.last?.id.map { "\(path)?before=\($0)" } : nil)
        return try services.renderer.response("audit", page)
    }
}
