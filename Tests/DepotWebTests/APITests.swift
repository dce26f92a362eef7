import DepotCore
import DepotWeb
import Foundation
import HTTPTypes
import NIOCore
import Testing

@Suite struct APITests {
    /// Mints a token for `user` through the web page, as a person would; answers it.
    static func tokenFromPage(_ browser: Browser, name: String = "ci") async throws -> String {
        try await browser.get("/account/tokens")
        let page = try await browser.post("/account/tokens", [("name", name)])
        #expect(page.status == .ok)
        let marker = "<pre id=\"new-token\">"
        let start = try #require(page.body.range(of: marker)).upperBound
        let end = try #require(page.body[start...].firstIndex(of: "<"))
        return String(page.body[start..<end])
    }

    @Test func tokensAreShownOnceStoredHashedAndRevocable() async throws {
        let app = try await TestApp()
        let org = try await app.org("acme")
        try await app.user("olive", role: .owner, in: org)
        try await app.run { client in
            let browser = Browser(client)
            try await browser.login("olive")
            let token = try await Self.tokenFromPage(browser)
            #expect(token.hasPrefix("dpt_"))
            // Not shown again, and not stored in the clear.
            #expect(!(try await browser.get("/account/tokens").body.contains(token)))
            let stored = try await app.database.tokens(of: try await app.database.user(named: "olive")!.id!)
            #expect(stored.count == 1)
            #expect(stored[0].tokenHash != token)
            #expect(stored[0].tokenHash.count == 64)

            #expect(try await client.api("/api/v1/me", token: token).body.contains("\"name\":\"olive\""))
            let basic = "Basic " + Data("__token__:\(token)".utf8).base64EncodedString()
            let viaBasic = try await client.executeRequest(
                uri: "/api/v1/me", method: .get, headers: [.authorization: basic, .accept: "application/json"], body: nil)
            #expect(viaBasic.status == .ok)

            try await browser.get("/account/tokens")
            let revoke = try await browser.post("/account/tokens/\(stored[0].id!)/revoke")
            #expect(revoke.status == .seeOther)
            let after = try await client.api("/api/v1/me", token: token)
            #expect(after.status == .unauthorized)
            #expect(after.body.contains("\"code\":\"unauthorized\""))
        }
    }

    @Test func channelsThroughTheAPI() async throws {
        let app = try await TestApp()
        let org = try await app.org("acme")
        try await app.user("olive", role: .owner, in: org)
        try await app.user("vera", role: .viewer, in: org)
        let olive = try await TokenMinter.mint(database: app.database, user: try await app.database.user(named: "olive")!, name: "t", by: .system)
        let vera = try await TokenMinter.mint(database: app.database, user: try await app.database.user(named: "vera")!, name: "t", by: .system)
        try await app.run { client in
            let created = try await client.api(
                "/api/v1/channels", method: .post, token: olive, json: #"{"org":"acme","name":"main","privacy":"private"}"#)
            #expect(created.status == .created)
            #expect(created.body.contains("\"name\":\"main\""))
            #expect(created.body.contains("\"frozen\":false"))

            let sub = try await client.api(
                "/api/v1/channels", method: .post, token: olive, json: #"{"org":"acme","name":"dev","parent":"main"}"#)
            #expect(sub.status == .created)
            #expect(sub.body.contains("\"name\":\"main\\/dev\"") || sub.body.contains("\"name\":\"main/dev\""))

            // A subchannel is addressed by its percent-encoded full name.
            let frozen = try await client.api("/api/v1/channels/main%2Fdev/freeze", method: .post, token: olive)
            #expect(frozen.status == .ok)
            #expect(frozen.body.contains("\"frozen\":true"))
            #expect(try await app.database.channel(fullName: "main/dev")?.frozen == true)
            let thawed = try await client.api("/api/v1/channels/main%2Fdev/unfreeze", method: .post, token: olive)
            #expect(thawed.body.contains("\"frozen\":false"))

            let patched = try await client.api(
                "/api/v1/channels/main", method: .patch, token: olive, json: #"{"description":"from the API"}"#)
            #expect(patched.status == .ok)
            #expect(patched.body.contains("from the API"))

            // A viewer may read but not change.
            #expect(try await client.api("/api/v1/channels/main", token: vera).status == .ok)
            let refused = try await client.api("/api/v1/channels/main/freeze", method: .post, token: vera)
            #expect(refused.status == .forbidden)
            #expect(refused.body.contains("\"code\":\"forbidden\""))
            #expect(try await client.api("/api/v1/channels", method: .post, token: vera, json: #"{"org":"acme","name":"x"}"#).status == .forbidden)

            // Bad input: a clear error naming the field, and nothing created.
            let bad = try await client.api("/api/v1/channels", method: .post, token: olive, json: #"{"org":"acme","name":"Bad Name"}"#)
            #expect(bad.status == .badRequest)
            #expect(bad.body.contains("\"field\":\"name\""))
            let duplicate = try await client.api("/api/v1/channels", method: .post, token: olive, json: #"{"org":"acme","name":"main"}"#)
            #expect(duplicate.status == .conflict)
            let missing = try await client.api("/api/v1/channels", method: .post, token: olive, json: #"{"org":"acme"}"#)
            #expect(missing.status == .badRequest)
            #expect(missing.body.contains("name"))
            let garbage = try await client.api("/api/v1/channels", method: .post, token: olive, json: "{nope")
            #expect(garbage.status == .badRequest)
            #expect(try await app.database.channels().count == 2)

            #expect(try await client.api("/api/v1/channels/main", method: .delete, token: olive).status == .noContent)
            #expect(try await app.database.channels().isEmpty)
        }
    }

    @Test func organisationsAndMembersThroughTheAPI() async throws {
        let app = try await TestApp()
        try await app.user("root", admin: true)
        try await app.user("newbie")
        let root = try await TokenMinter.mint(database: app.database, user: try await app.database.user(named: "root")!, name: "t", by: .system)
        try await app.run { client in
            #expect(try await client.api("/api/v1/orgs", method: .post, token: root, json: #"{"name":"lab"}"#).status == .created)
            let added = try await client.api(
                "/api/v1/orgs/lab/members", method: .post, token: root, json: #"{"user":"newbie","role":"mirror-manager"}"#)
            #expect(added.status == .created)
            #expect(added.body.contains("Mirror Manager"))
            let badRole = try await client.api(
                "/api/v1/orgs/lab/members", method: .post, token: root, json: #"{"user":"newbie","role":"king"}"#)
            #expect(badRole.status == .badRequest)
            #expect(badRole.body.contains("\"field\":\"role\""))
            let audit = try await client.api("/api/v1/orgs/lab/audit", token: root)
            #expect(audit.body.contains("member.add"))
        }
    }

    @Test func unknownEndpointsAndNoCredentialsAnswerJSON() async throws {
        let app = try await TestApp()
        try await app.run { client in
            let missing = try await client.api("/api/v1/nothing-here")
            #expect(missing.status == .notFound)
            #expect(missing.body.hasPrefix("{\"error\":{"))
            let bogus = try await client.api("/api/v1/me", token: "dpt_not-a-real-token")
            #expect(bogus.status == .unauthorized)
        }
    }
}
