import DepotCore
import Foundation
import HTTPTypes
import Testing

/// Each built-in role's allowed and refused actions on channels, through the real router.
@Suite struct ChannelRoleTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let role: BuiltInRole
        let canCreate: Bool
        let canEdit: Bool
        let canFreeze: Bool
        let canDelete: Bool
        let canCreateSubchannel: Bool
        var testDescription: String { role.title }
    }

    static let cases: [Case] = [
        Case(role: .owner, canCreate: true, canEdit: true, canFreeze: true, canDelete: true, canCreateSubchannel: true),
        Case(role: .contributor, canCreate: true, canEdit: false, canFreeze: false, canDelete: false, canCreateSubchannel: true),
        Case(role: .mirrorManager, canCreate: false, canEdit: false, canFreeze: false, canDelete: false, canCreateSubchannel: false),
        Case(role: .viewer, canCreate: false, canEdit: false, canFreeze: false, canDelete: false, canCreateSubchannel: false),
    ]

    @Test(arguments: cases)
    func roleActions(_ c: Case) async throws {
        let app = try await TestApp()
        let org = try await app.org("acme")
        try await app.user("member", role: c.role, in: org)
        let main = try await app.channel("main", in: org)
        try await app.run { client in
            let browser = Browser(client)
            try await browser.login("member")

            // Every member may view the private channel.
            let view = try await browser.get("/channels/main")
            #expect(view.status == .ok)
            #expect(view.body.contains("id=\"action-freeze\"") == c.canFreeze)
            #expect(view.body.contains("id=\"action-delete\"") == c.canDelete)

            let create = try await browser.post(
                "/channels", [("org", "acme"), ("name", "new-one"), ("description", ""), ("privacy", "public")])
            #expect(create.status == (c.canCreate ? .seeOther : .forbidden))
            #expect((try await app.database.channel(fullName: "new-one") != nil) == c.canCreate)

            try await browser.get("/channels/main")
            let sub = try await browser.post("/channels/main/-/subchannels", [("name", "dev"), ("privacy", "private")])
            #expect(sub.status == (c.canCreateSubchannel ? .seeOther : .forbidden))

            try await browser.get("/channels/main")
            let edit = try await browser.post("/channels/main/-/settings", [("description", "changed"), ("privacy", "private")])
            #expect(edit.status == (c.canEdit ? .seeOther : .forbidden))
            #expect((try await app.database.channel(id: main.id!)?.description == "changed") == c.canEdit)

            try await browser.get("/channels/main")
            let freeze = try await browser.post("/channels/main/-/freeze")
            #expect(freeze.status == (c.canFreeze ? .seeOther : .forbidden))
            #expect(try await app.database.channel(id: main.id!)?.frozen == c.canFreeze)

            try await browser.get("/channels/main")
            let delete = try await browser.post("/channels/main/-/delete", [("confirm", "main")])
            #expect(delete.status == (c.canDelete ? .seeOther : .forbidden))
            #expect((try await app.database.channel(id: main.id!) == nil) == c.canDelete)
        }
    }

    @Test func freezeAndUnfreezeShowOnThePageAndInTheAuditLog() async throws {
        let app = try await TestApp()
        let org = try await app.org("acme")
        try await app.user("olive", role: .owner, in: org)
        try await app.channel("main", in: org)
        try await app.run { client in
            let browser = Browser(client)
            try await browser.login("olive")
            try await browser.get("/channels/main")
            #expect(try await browser.post("/channels/main/-/freeze").location == "/channels/main")
            let frozen = try await browser.get("/channels/main")
            #expect(frozen.body.contains("id=\"frozen-badge\""))
            #expect(frozen.body.contains("main is frozen"))
            #expect(frozen.body.contains("id=\"action-unfreeze\""))

            try await browser.post("/channels/main/-/unfreeze")
            let live = try await browser.get("/channels/main")
            #expect(live.body.contains("id=\"live-badge\""))
            #expect(!live.body.contains("id=\"frozen-badge\""))
            #expect(live.body.contains("main is unfrozen"))

            let audit = try await browser.get("/orgs/acme/audit")
            #expect(audit.status == .ok)
            #expect(audit.body.contains("channel.freeze"))
            #expect(audit.body.contains("channel.unfreeze"))
            #expect(audit.body.contains("olive"))
        }
    }

    @Test func deleteAsksForTheNameFirst() async throws {
        let app = try await TestApp()
        let org = try await app.org("acme")
        try await app.user("olive", role: .owner, in: org)
        try await app.channel("main", in: org)
        try await app.run { client in
            let browser = Browser(client)
            try await browser.login("olive")
            let confirm = try await browser.get("/channels/main/-/delete")
            #expect(confirm.status == .ok)
            let wrong = try await browser.post("/channels/main/-/delete", [("confirm", "mian")])
            #expect(wrong.status == .badRequest)
            #expect(wrong.body.contains("Type the channel&#39;s name, main, to confirm.") || wrong.body.contains("Type the channel's name, main, to confirm."))
            #expect(try await app.database.channel(fullName: "main") != nil)
            let right = try await browser.post("/channels/main/-/delete", [("confirm", "main")])
            #expect(right.location == "/channels")
            #expect(try await app.database.channel(fullName: "main") == nil)
        }
    }
}
