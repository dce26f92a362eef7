import DepotWeb
import Foundation
import HTTPTypes
import Testing

@Suite struct LoginTests {
    @Test func signInSetsAProtectedSessionCookieAndSignOutEndsIt() async throws {
        let app = try await TestApp()
        try await app.user("alice")
        try await app.run { client in
            let browser = Browser(client)
            let page = try await browser.login("alice")
            #expect(page.status == .seeOther)
            #expect(page.location == "/channels")
            let cookie = try #require(page.headers[values: .setCookie].first { $0.hasPrefix("depot_session=") })
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(!cookie.contains("Secure"))

            let channels = try await browser.get("/channels")
            #expect(channels.status == .ok)
            #expect(channels.body.contains("id=\"current-user\">alice</a>"))

            let out = try await browser.post("/logout")
            #expect(out.status == .seeOther)
            #expect(browser.cookies["depot_session"] == nil)
            #expect(try await browser.get("/orgs").location == "/login?next=/orgs")
        }
    }

    @Test func theCookieIsSecureBehindTLS() async throws {
        let app = try await TestApp()
        try await app.user("alice")
        try await app.run { client in
            let browser = Browser(client)
            try await browser.get("/login", headers: [HTTPField.Name("X-Forwarded-Proto")!: "https"])
            let page = try await browser.post(
                "/login", [("username", "alice"), ("password", TestApp.password)],
                headers: [HTTPField.Name("X-Forwarded-Proto")!: "https"])
            let cookie = try #require(page.headers[values: .setCookie].first { $0.hasPrefix("depot_session=") })
            #expect(cookie.contains("Secure"))
        }
    }

    @Test func wrongPasswordSaysSoAndKeepsTheName() async throws {
        let app = try await TestApp()
        try await app.user("alice")
        try await app.run { client in
            let browser = Browser(client)
            let page = try await browser.login("alice", password: "wrong-password")
            #expect(page.status == .unauthorized)
            #expect(page.body.contains("The user name or password is not right."))
            #expect(page.body.contains("value=\"alice\""))
            #expect(browser.cookies["depot_session"] == nil)
        }
    }

    @Test func repeatedFailuresAreRateLimitedEvenWithTheRightPassword() async throws {
        let app = try await TestApp()
        try await app.user("alice")
        try await app.run { client in
            let browser = Browser(client)
            for _ in 0..<5 { try await browser.login("alice", password: "nope-nope-nope") }
            let page = try await browser.login("alice")
            #expect(page.status == .tooManyRequests)
            #expect(page.headers[.retryAfter] != nil)
            #expect(page.body.contains("Too many failed sign-ins"))
            #expect(browser.cookies["depot_session"] == nil)
        }
    }

    @Test func theLoginFormNeedsItsCSRFToken() async throws {
        let app = try await TestApp()
        try await app.user("alice")
        try await app.run { client in
            let browser = Browser(client)
            // No login page loaded first: no CSRF cookie, no token.
            let page = try await browser.post("/login", [("username", "alice"), ("password", TestApp.password)])
            #expect(page.status == .forbidden)
            #expect(browser.cookies["depot_session"] == nil)
        }
    }

    @Test func nextOnlyFollowsLocalPaths() async throws {
        let app = try await TestApp()
        try await app.user("alice")
        try await app.run { client in
            let browser = Browser(client)
            try await browser.get("/login")
            let page = try await browser.post(
                "/login", [("username", "alice"), ("password", TestApp.password), ("next", "//evil.example/")])
            #expect(page.location == "/channels")
        }
    }

    @Test func firstStartCreatesTheAdministrator() async throws {
        let app = try await TestApp()
        try await app.run { client in
            let browser = Browser(client)
            let page = try await browser.login("admin", password: TestApp.adminPassword)
            #expect(page.status == .seeOther)
            #expect(try await browser.get("/admin/users").status == .ok)
        }
    }
}
