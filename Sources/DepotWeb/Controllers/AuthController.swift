import DepotStore
import Foundation
import Hummingbird

struct LoginPage: Sendable {
    let site: Site
    let title = "Sign in"
    let username: String
    let next: String
    let error: String?
}

/// Sign in and out with a session cookie (`HttpOnly`, `SameSite=Lax`, `Secure` behind TLS).
struct AuthController {
    let services: AppServices
    static let sessionLifetime: TimeInterval = 14 * 24 * 3600

    func addRoutes(to router: RouterGroup<DepotContext>) {
        router.get("/login", use: showLogin)
        router.post("/login", use: login)
        router.post("/logout", use: logout)
    }

    @Sendable func showLogin(_ request: Request, context: DepotContext) async throws -> Response {
        let next = SitePath.safeNext(request.uri.queryParameters["next"].map(String.init) ?? SitePath.channels)
        if context.user != nil { return Redirect.to(next) }
        return try renderLogin(request, context: context, username: "", next: next, error: nil, status: .ok)
    }

    func renderLogin(
        _ request: Request, context: DepotContext, username: String, next: String, error: String?, status: HTTPResponse.Status
    ) throws -> Response {
        var context = context
        var newCookie: String?
        if context.csrfToken.isEmpty {
            newCookie = Secrets.token()
            context.csrfToken = newCookie!
        }
        let page = LoginPage(site: Site(context: context, section: ""), username: username, next: next, error: error)
        var response = try services.renderer.response("login", page, status: status)
        if let newCookie {
            response.setCookie(Cookie(
                name: AuthMiddleware.csrfCookie, value: newCookie, path: "/", secure: services.isSecure(request),
                httpOnly: true, sameSite: .lax))
        }
        return response
    }

    @Sendable func login(_ request: Request, context: DepotContext) async throws -> Response {
        let form = context.form
        let username = form.text("username")
        let password = form["password"]
        let next = SitePath.safeNext(form["next"].isEmpty ? SitePath.channels : form["next"])
        let address = context.remoteAddress

        if let wait = await services.loginLimiter.retryAfter(user: username, address: address) {
            context.logger.notice("sign-in refused: rate limited", metadata: ["login": "\(username)", "address": "\(address)"])
            var response = try renderLogin(
                request, context: context, username: username, next: next,
                error: AppError.tooManyRequests(retryAfter: wait).message, status: .tooManyRequests)
            response.headers[.retryAfter] = String(wait)
            return response
        }
        let user = username.isEmpty ? nil : try await services.database.user(named: username)
        // Verify against a fixed hash when the user is unknown, so timing does not tell which names exist.
        let ok = try await services.passwords.verify(password, hash: user?.passwordHash ?? services.passwords.dummyHash)
        guard let user, ok, let userID = user.id else {
            await services.loginLimiter.failed(user: username, address: address)
            context.logger.notice("sign-in failed", metadata: ["login": "\(username)", "address": "\(address)"])
            return try renderLogin(
                request, context: context, username: username, next: next,
                error: "The user name or password is not right.", status: .unauthorized)
        }
        await services.loginLimiter.succeeded(user: username, address: address)

        let token = Secrets.token()
        let now = Date()
        try await services.database.createSession(SessionRecord(
            tokenHash: Secrets.sha256Hex(token), userID: userID, csrfToken: Secrets.token(),
            createdAt: now, expiresAt: now.addingTimeInterval(Self.sessionLifetime)))
        context.logger.info("signed in", metadata: ["login": "\(user.name)"])
        var response = Redirect.to(next)
        response.setCookie(Cookie(
            name: AuthMiddleware.sessionCookie, value: token, maxAge: Int(Self.sessionLifetime), path: "/",
            secure: services.isSecure(request), httpOnly: true, sameSite: .lax))
        return response
    }

    @Sendable func logout(_ request: Request, context: DepotContext) async throws -> Response {
        if let cookie = request.cookies[AuthMiddleware.sessionCookie]?.value {
            try await services.database.deleteSession(tokenHash: Secrets.sha256Hex(cookie))
        }
        var response = Redirect.to(SitePath.login)
        response.setCookie(Cookie(
            name: AuthMiddleware.sessionCookie, value: "", maxAge: 0, path: "/", secure: services.isSecure(request),
            httpOnly: true, sameSite: .lax))
        return response
    }
}
