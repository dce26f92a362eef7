import DepotCore
import Foundation
import HTTPTypes
import Testing

@Suite struct PageTests {
    @Test func badFormInputRedisplaysTheFormWithValuesAndMessages() async throws {
        let app = try await TestApp()
        let org = try await app.org("acme")
        try await app.user("olive", role: .owner, in: org)
        try await app.channel("taken", in: org)
        try await app.run { client in
            let browser = Browser(client)
            try await browser.login("olive")
            try await browser.get("/channels/-/new")
            let bad = try await browser.post(
                "/channels", [("org", "acme"), ("name", "Has Space"), ("description", "kept <b>text</b>"), ("privacy", "public")])
            #expect(bad.status == .badRequest)
            #expect(bad.body.contains("id=\"name-error\""))
            #expect(bad.body.contains("it contains “H”") || bad.body.contains("starts with a lowercase letter"))
            #expect(bad.body.contains("value=\"Has Space\""))
            #expect(bad.body.contains("kept &lt;b&gt;text&lt;/b&gt;"))

            let duplicate = try await browser.post("/channels", [("org", "acme"), ("name", "taken"), ("privacy", "public")])
            #expect(duplicate.status == .badRequest)
            #expect(duplicate.body.contains("A channel named “taken” already exists."))

            let noOrg = try await browser.post("/channels", [("org", ""), ("name", "fine"), ("privacy", "public")])
            #expect(noOrg.body.contains("id=\"org-error\""))
            #expect(try await app.database.channels().map(\.fullName) == ["taken"])

            try await browser.get("/channels/taken/-/settings")
            let badPrivacy = try await browser.post("/channels/taken/-/settings", [("description", "x"), ("privacy", "everyone")])
            #expect(badPrivacy.status == .badRequest)
            #expect(badPrivacy.body.contains("Choose Public or Private."))
            #expect(try await app.database.channel(fullName: "taken")?.description == "")
        }
    }

    @Test func userTextIsEscapedEverywhere() async throws {
        let app = try await TestApp()
        let org = try await app.org("acme")
        try await app.user("olive", role: .owner, in: org)
        try await app.run { client in
            let browser = Browser(client)
            try await browser.login("olive")
            try await browser.get("/channels/-/new")
            let xss = "<script>alert('x')</script>"
            try await browser.post("/channels", [("org", "acme"), ("name", "main"), ("description", xss), ("privacy", "public")])
            for path in ["/channels/main", "/channels", "/channels/main/-/settings"] {
                let page = try await browser.get(path)
                #expect(!page.body.contains(xss), "\(path)")
                #expect(page.body.contains("&lt;script&gt;"), "\(path)")
            }
        }
    }

    @Test func channelPageHasTabsSubchannelsAndClientSnippets() async throws {
        let app = try await TestApp()
        let org = try await app.org("acme")
        try await app.user("olive", role: .owner, in: org)
        let main = try await app.channel("main", in: org, privacy: "public")
        try await app.channel("dev", in: org, privacy: "private", parent: main)
        try await app.run { client in
            let browser = Browser(client)
            try await browser.login("olive")
            let page = try await browser.get("/channels/main")
            for tab in ["tab-packages", "tab-mirrors", "tab-settings"] { #expect(page.body.contains("id=\"\(tab)\"")) }
            #expect(page.body.contains("/api/repo/main</pre>"))
            #expect(page.body.contains("index-url = http://"))
            #expect(page.body.contains("/api/repo/main/cran"))
            #expect(page.body.contains("href=\"/channels/main/dev\""))
            #expect(try await browser.get("/channels/main/-/mirrors").body.contains("id=\"mirrors-empty\""))

            let sub = try await browser.get("/channels/main/dev")
            #expect(sub.status == .ok)
            #expect(sub.body.contains("/t/&lt;TOKEN&gt;/api/repo/main/dev"))
            #expect(!sub.body.contains("id=\"action-new-subchannel\""))

            let filtered = try await browser.get("/channels?q=dev")
            #expect(filtered.body.contains(">main/dev</a>"))
            #expect(!filtered.body.contains(">main</a>"))
        }
    }

    @Test func adminManagesOrganisationsUsersMembersAndRoles() async throws {
        let app = try await TestApp()
        try await app.run { client in
            let admin = Browser(client)
            try await admin.login("admin", password: TestApp.adminPassword)
            try await admin.get("/orgs")
            #expect(try await admin.post("/orgs", [("name", "lab")]).location == "/orgs/lab")
            let badOrg = try await admin.post("/orgs", [("name", "Lab!")])
            #expect(badOrg.status == .badRequest)
            #expect(badOrg.body.contains("id=\"name-error\""))

            try await admin.get("/admin/users")
            let weak = try await admin.post("/admin/users", [("name", "sam"), ("password", "short")])
            #expect(weak.body.contains("id=\"password-error\""))
            #expect(weak.body.contains("value=\"sam\""))
            #expect(try await admin.post("/admin/users", [("name", "sam"), ("password", TestApp.password)]).status == .seeOther)

            // A custom role: Channels Manage, everything else None.
            try await admin.get("/orgs/lab/roles/new")
            let saved = try await admin.post("/orgs/lab/roles", [("name", "Channel Keeper"), ("level_channels", "manage")])
            #expect(saved.location == "/orgs/lab/roles")
            let roles = try await admin.get("/orgs/lab/roles")
            #expect(roles.body.contains("Channel Keeper"))
            let role = try #require(try await app.database.customRoles(of: try await app.database.org(named: "lab")!.id!).first)

            try await admin.get("/orgs/lab")
            let added = try await admin.post("/orgs/lab/members", [("user", "sam"), ("role", "custom:\(role.id!)")])
            #expect(added.status == .seeOther)
            let ghost = try await admin.post("/orgs/lab/members", [("user", "ghost"), ("role", "viewer")])
            #expect(ghost.body.contains("There is no user named “ghost”."))

            // sam can now create and freeze channels, but not see members or the audit log.
            let sam = Browser(client)
            try await sam.login("sam")
            try await sam.get("/channels/-/new")
            #expect(try await sam.post("/channels", [("org", "lab"), ("name", "kept"), ("privacy", "private")]).status == .seeOther)
            try await sam.get("/channels/kept")
            #expect(try await sam.post("/channels/kept/-/freeze").status == .seeOther)
            #expect(try await sam.get("/orgs/lab/audit").status == .notFound)
            #expect(!(try await sam.get("/orgs/lab").body.contains("id=\"member-list\"")))
            #expect(try await sam.get("/admin/users").status == .notFound)
        }
    }

    @Test func helpPagesRenderFromMarkdown() async throws {
        let app = try await TestApp()
        try await app.run { client in
            let browser = Browser(client)
            let index = try await browser.get("/help")
            #expect(index.status == .ok)
            for (page, heading) in [("mirroring", "Mirroring"), ("roles", "Roles and permissions"), ("using-channels", "Using a channel from conda, pip and R")] {
                let help = try await browser.get("/help/\(page)")
                #expect(help.status == .ok, "\(page)")
                #expect(help.body.contains("<h1>\(heading)</h1>"), "\(page)")
                #expect(index.body.contains("href=\"/help/\(page)\""))
            }
            #expect(try await browser.get("/help/nope").status == .notFound)
            let traversal = try await browser.get("/help/..%2F..%2FPackage")
            #expect(traversal.status != .ok)
            #expect(!traversal.body.contains("swift-tools-version"))
        }
    }

    @Test func healthAndMetrics() async throws {
        let app = try await TestApp()
        try await app.run { client in
            let browser = Browser(client)
            let health = try await browser.get("/healthz")
            #expect(health.status == .ok)
            #expect(health.body == "ok")
            let metrics = try await browser.get("/metrics")
            #expect(metrics.body.contains("depot_users 1"))
            #expect(metrics.body.contains("depot_http_responses_total{class=\"2xx\"}"))
            let css = try await browser.get("/public/css/depot.css")
            #expect(css.status == .ok)
            #expect(try await browser.get("/public/../Package.swift").status != .ok)
        }
    }
}
