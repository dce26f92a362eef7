import DepotCore
import DepotStore
import Foundation
import Hummingbird

/// Personal API tokens: created here, shown once, stored hashed, revocable.
struct AccountController {
    let services: AppServices

    func addRoutes(to router: RouterGroup<DepotContext>) {
        router.get("/account/tokens", use: tokens)
        router.post("/account/tokens", use: createToken)
        router.post("/account/tokens/:id/revoke", use: revokeToken)
    }

    @Sendable func tokens(_ request: Request, context: DepotContext) async throws -> Response {
        try await render(context, newToken: nil, name: "", errors: ValidationErrors(), status: .ok)
    }

    func render(
        _ context: DepotContext, newToken: (name: String, token: String)?, name: String, errors: ValidationErrors,
        status: HTTPResponse.Status
    ) async throws -> Response {
        let user = try context.requireUser()
        let tokens = try await services.database.tokens(of: user.id!)
        let page = TokensPage(
            site: Site(context: context, section: "account"),
            tokens: tokens.map {
                TokenRow(
                    name: $0.name, prefix: $0.prefix, createdAt: DisplayDate.string($0.createdAt),
                    lastUsedAt: $0.lastUsedAt.map(DisplayDate.string) ?? "never", revoked: $0.revokedAt != nil,
                    revokeURL: "/account/tokens/\($0.id!)/revoke")
            },
            newToken: newToken?.token, newTokenName: newToken?.name, name: name, errors: FieldErrors(errors))
        return try services.renderer.response("tokens", page, status: status)
    }

    @Sendable func createToken(_ request: Request, context: DepotContext) async throws -> Response {
        let user = try context.requireUser()
        // A token is a credential: only a signed-in person may mint one, not another token.
        guard context.authMethod == .session else { throw AppError.forbidden("Create tokens from the web page.") }
        let name = context.form.text("name")
        if name.isEmpty || name.count > 64 {
            return try await render(
                context, newToken: nil, name: name,
                errors: ValidationErrors(field: "name", message: "Give the token a name of 1 to 64 characters, e.g. “ci”."),
                status: .badRequest)
        }
        let token = try await TokenMinter.mint(database: services.database, user: user, name: name, by: context.auditActor)
        return try await render(context, newToken: (name, token), name: "", errors: ValidationErrors(), status: .ok)
    }

    @Sendable func revokeToken(_ request: Request, context: DepotContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.require("id", as: Int64.self)
        try await services.database.revokeToken(id: id, userID: user.id!, by: context.auditActor)
        return Redirect.to(SitePath.tokens, flash: "Token revoked.")
    }
}

/// Makes API tokens: `dpt_` and 43 random characters; only the SHA-256 is stored.
public enum TokenMinter {
    /// Answers the token, to show once.
    public static func mint(database: AppDatabase, user: UserRecord, name: String, by actor: AuditActor) async throws -> String {
        let token = "dpt_" + Secrets.token()
        _ = try await database.createToken(
            APITokenRecord(
                userID: user.id!, name: name, tokenHash: Secrets.sha256Hex(token), prefix: String(token.prefix(10)), createdAt: Date()),
            userName: user.name, by: actor)
        return token
    }
}
