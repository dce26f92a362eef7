import DepotCore
import DepotStore
import DepotWeb
import Foundation
import HTTPTypes
import Testing

@Suite struct MirrorLifecycleTests {
    static func makeMirror(_ app: TestApp, channel: ChannelRecord, cron: String = "0 0 1 * *") async throws -> MirrorRecord {
        try await app.database.createMirror(
            MirrorRecord(channelID: channel.id!, name: "up", type: "conda", mode: "active", sourceURL: "http://127.0.0.1:9/t/dpt_hidden/c",
                         subdirs: ["noarch"], cron: cron), by: .system)
    }

    @Test func writeMayCreateButOnlyManageMayEditStopRestartOrDelete() async throws {
        let app = try await TestApp()
        let org = try await app.org("acme")
        try await app.user("writer", role: .contributor, in: org)
        try await app.user("manager", role: .mirrorManager, in: org)
        let channel = try await app.channel("main", in: org)
        let mirror = try await Self.makeMirror(app, channel: channel)
        let base = "/channels/main/-/mirrors/\(mirror.id!)"
        try await app.run { client in
            let writer = Browser(client)
            try await writer.login("writer")
            let tab = try await writer.get("/channels/main/-/mirrors")
            #expect(!tab.body.contains("\(base)/edit"))
            #expect(try await writer.get("\(base)/edit").status == .forbidden)
            for action in ["stop", "restart", "delete", "edit"] {
                #expect(try await writer.post("\(base)/\(action)", [("name", "renamed")]).status == .forbidden, "\(action)")
            }
            #expect(try await app.database.mirror(id: mirror.id!)?.name == "up")

            let manager = Browser(client)
            try await manager.login("manager")
            let form = try await manager.get("\(base)/edit")
            #expect(form.status == .ok)
            #expect(form.body.contains("id=\"mode-locked\">Active<"))
            #expect(!form.body.contains("dpt_hidden"))
            #expect(form.body.contains("id=\"next-runs\""))

            let bad = try await manager.post("\(base)/edit", [("name", "up"), ("subdirs", "noarch"), ("frequency", "custom"), ("cron", "0 25 * * *")])
            #expect(bad.status == .badRequest)
            #expect(bad.body.contains("The hour field “25”"))

            let frequent = try await manager.post("\(base)/edit", [("name", "renamed"), ("subdirs", "noarch"), ("subdirs", "linux-64"), ("frequency", "custom"), ("cron", "*/30 * * * *")])
            #expect(frequent.status == .seeOther)
            let saved = try #require(try await app.database.mirror(id: mirror.id!))
            #expect(saved.name == "renamed")
            #expect(saved.cron == "*/30 * * * *")
            #expect(saved.subdirList == ["noarch", "linux-64"])
            #expect(saved.sourceURL.contains("dpt_hidden"))
            #expect(saved.mode == "active")
            #expect(try #require(saved.nextRunAt).timeIntervalSinceNow <= 1_800)
            #expect(try await manager.get("\(base)/edit").body.contains("id=\"warn-frequency\""))

            #expect(try await manager.get("\(base)/delete").status == .ok)
            #expect(try await manager.post("\(base)/delete").location == "/channels/main/-/mirrors")
            #expect(try await app.database.mirror(id: mirror.id!) == nil)
        }
    }

    @Test func theMirrorsPageShowsOnlyTheCallersOrganisations() async throws {
        let app = try await TestApp()
        let a = try await app.org("org-a"), b = try await app.org("org-b")
        try await app.user("bob", role: .viewer, in: b)
        try await app.user("root", admin: true)
        _ = try await Self.makeMirror(app, channel: try await app.channel("secret", in: a))
        _ = try await Self.makeMirror(app, channel: try await app.channel("mine", in: b))
        let bob = try await TokenMinter.mint(database: app.database, user: try await app.database.user(named: "bob")!, name: "t", by: .system)
        try await app.run { client in
            let browser = Browser(client)
            try await browser.login("bob")
            let page = try await browser.get("/mirrors")
            #expect(page.status == .ok)
            #expect(page.body.contains(">mine</a>"))
            #expect(!page.body.contains("secret"))
            let api = try await client.api("/api/v1/mirrors", token: bob)
            #expect(api.body.contains("\"channel\":\"mine\""))
            #expect(!api.body.contains("secret"))
            #expect(!api.body.contains("dpt_hidden"))

            let admin = Browser(client)
            try await admin.login("root")
            let all = try await admin.get("/mirrors?org=org-a")
            #expect(all.body.contains(">secret</a>"))
            #expect(!all.body.contains(">mine</a>"))
        }
    }

    @Test func theAPIManagesMirrors() async throws {
        let app = try await TestApp()
        let org = try await app.org("acme")
        try await app.user("olive", role: .owner, in: org)
        let channel = try await app.channel("main", in: org)
        let mirror = try await Self.makeMirror(app, channel: channel)
        let token = try await TokenMinter.mint(database: app.database, user: try await app.database.user(named: "olive")!, name: "t", by: .system)
        try await app.run { client in
            let mode = try await client.api("/api/v1/mirrors/\(mirror.id!)", method: .patch, token: token, json: #"{"mode":"passive"}"#)
            #expect(mode.status == .badRequest)
            #expect(mode.body.contains("\"field\":\"mode\""))
            let patched = try await client.api("/api/v1/mirrors/\(mirror.id!)", method: .patch, token: token, json: #"{"cron":"0 3 * * 1"}"#)
            #expect(patched.status == .ok)
            #expect(patched.body.contains("\"cron\":\"0 3 * * 1\""))
            let stop = try await client.api("/api/v1/mirrors/\(mirror.id!)/stop", method: .post, token: token)
            #expect(stop.status == .ok)
            #expect(try await client.api("/api/v1/mirrors/\(mirror.id!)", method: .delete, token: token).status == .noContent)
            #expect(try await client.api("/api/v1/mirrors/\(mirror.id!)", token: token).status == .notFound)
        }
    }
}
