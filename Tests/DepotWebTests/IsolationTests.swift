import DepotWeb
import DepotCore
import Foundation
import HTTPTypes
import Testing

/// A user of one organisation never learns about another's private resources.
@Suite struct IsolationTests {
    @Test func privateResourcesOfAnotherOrganisationAreNotFound() async throws {
        let app = try await TestApp()
        let a = try await app.org("org-a"), b = try await app.org("org-b")
        try await app.user("bob", role: .owner, in: b)
        let secret = try await app.channel("secret", in: a, privacy: "private")
        try await app.channel("dev", in: a, privacy: "private", parent: secret)
        try await app.channel("open", in: a, privacy: "public")
        try await app.run { client in
            let browser = Browser(client)
            try await browser.login("bob")

            for path in [
                "/channels/secret", "/channels/secret/-/settings", "/channels/secret/-/mirrors", "/channels/secret/-/delete",
                "/channels/secret/dev", "/orgs/org-a", "/orgs/org-a/audit", "/orgs/org-a/roles", "/channels/nonexistent",
            ] {
                let page = try await browser.get(path)
                #expect(page.status == .notFound, "\(path)")
                #expect(!page.body.contains("secret") || path.contains("secret") == false || !page.body.contains("id=\"channel-name\""))
            }
            // A missing channel and a hidden one look the same.
            let hidden = try await browser.get("/channels/secret")
            let missing = try await browser.get("/channels/nonexistent")
            #expect(hidden.body == missing.body)

            for path in ["/channels/secret/-/freeze", "/channels/secret/-/settings", "/channels/secret/-/delete", "/orgs/org-a/members"] {
                let page = try await browser.post(path, [("confirm", "secret"), ("description", "x"), ("privacy", "public"), ("user", "bob"), ("role", "owner")])
                #expect(page.status == .notFound, "\(path)")
            }
            #expect(try await app.database.channel(id: secret.id!)?.frozen == false)
            #expect(try await app.database.members(of: a.id!).isEmpty)

            // The list shows the public channel of org-a, not the private one.
            let list = try await browser.get("/channels")
            #expect(list.body.contains(">open</a>"))
            #expect(!list.body.contains(">secret</a>"))

            // A public channel of another organisation can be viewed but not changed.
            #expect(try await browser.get("/channels/open").status == .ok)
            #expect(try await browser.post("/channels/open/-/freeze").status == .forbidden)

            // Creating a channel in an organisation bob does not belong to fails on the field, creating nothing.
            try await browser.get("/channels/-/new")
            let create = try await browser.post("/channels", [("org", "org-a"), ("name", "planted"), ("privacy", "public")])
            #expect(create.status == .badRequest)
            #expect(try await app.database.channel(fullName: "planted") == nil)
        }
    }

    @Test func theAPIAnswersTheSame() async throws {
        let app = try await TestApp()
        let a = try await app.org("org-a"), b = try await app.org("org-b")
        try await app.user("bob", role: .owner, in: b)
        try await app.channel("secret", in: a, privacy: "private")
        let bob = try await app.database.user(named: "bob")!
        let token = try await TokenMinter.mint(database: app.database, user: bob, name: "t", by: .system)
        try await app.run { client in
            #expect(try await client.api("/api/v1/channels/secret", token: token).status == .notFound)
            #expect(try await client.api("/api/v1/channels/secret/freeze", method: .post, token: token).status == .notFound)
            #expect(try await client.api("/api/v1/channels/secret", method: .delete, token: token).status == .notFound)
            #expect(try await client.api("/api/v1/orgs/org-a/members", token: token).status == .notFound)
            let list = try await client.api("/api/v1/channels", token: token)
            #expect(list.status == .ok)
            #expect(!list.body.contains("secret"))
        }
    }

    @Test func anonymousVisitorsSeePublicChannelsAndAreAskedToSignInForPrivateOnes() async throws {
        let app = try await TestApp()
        let a = try await app.org("org-a")
        try await app.channel("secret", in: a, privacy: "private")
        try await app.channel("open", in: a, privacy: "public")
        try await app.run { client in
            let browser = Browser(client)
            #expect(try await browser.get("/channels/open").status == .ok)
            #expect(try await browser.get("/channels/secret").location == "/login?next=/channels/secret")
            #expect(try await client.api("/api/v1/channels/secret").status == .unauthorized)
            let list = try await browser.get("/channels")
            #expect(list.body.contains(">open</a>"))
            #expect(!list.body.contains(">secret</a>"))
        }
    }
}
