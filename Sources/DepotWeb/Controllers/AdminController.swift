import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// Instance administration: users and the instance-wide audit log.
struct AdminController {
    let services: AppServices

    func addRoutes(to router: RouterGroup<DepotContext>) {
        router.get("/admin/users", use: users)
        router.post("/admin/users", use: createUser)
        router.get("/admin/audit", use: audit)
    }

    @Sendable func users(_ request: Request, context: DepotContext) async throws -> Response {
        try context.requireAdmin()
        return try await render(context, name: "", isAdmin: false, errors: ValidationErrors(), status: .ok)
    }

    func render(_ context: DepotContext, name: String, isAdmin: Bool, errors: ValidationErrors, status: HTTPResponse.Status) async throws -> Response {
        let users = try await services.database.users()
        let page = UsersPage(
            site: Site(context: context, section: "admin"),
            users: users.map { UserRow(name: $0.name, isAdmin: $0.isAdmin, createdAt: DisplayDate.string($0.createdAt)) },
            name: name, isAdmin: isAdmin, errors: FieldErrors(errors))
        return try services.renderer.response("users", page, status: status)
    }

    @Sendable func createUser(_ request: Request, context: DepotContext) async throws -> Response {
        try context.requireAdmin()
        let form = context.form
        let name = form.text("name")
        let isAdmin = form.has("admin")
        let password = form["password"]
        var errors = ValidationErrors()
        if let message = NameRules.checkUserName(name) { errors.add("name", message) }
        if let message = Passwords.check(password) { errors.add("password", message) }
        if !errors.isEmpty {
            return try await render(context, name: name, isAdmin: isAdmin, errors: errors, status: .badRequest)
        }
        do {
            let hash = try await services.passwords.hash(password)
            let user = try await services.database.createUser(name: name, passwordHash: hash, isAdmin: isAdmin, by: context.auditActor)
            return Redirect.to(SitePath.adminUsers, flash: "User \(user.name) created.")
        } catch let error as StoreError {
            return try await render(context, name: name, isAdmin: isAdmin, errors: error.validationErrors, status: .badRequest)
        }
    }

    @Sendable func audit(_ request: Request, context: DepotContext) async throws -> Response {
        try context.requireAdmin()
        return try await AuditView.render(services: services, request: request, context: context, org: nil)
    }
}
