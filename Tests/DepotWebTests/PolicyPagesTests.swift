import DepotCore
import DepotStore
import DepotWeb
import Foundation
import HTTPTypes
import Testing

/// The Policies pages, applying a policy to a channel and to a mirror, and the policies API.
@Suite struct PolicyPagesTests {
    static let fields: [(String, String)] = [
        ("name", "secure"), ("description", "Only what we audited"), ("allow", "numpy >=1.24,<2\r\npython 3.11.*"),
        ("include_dependencies", "1"), ("block", "libblas * *mkl"), ("license_block", "AGPL*"), ("cooling_off_days", "7"),
        ("subdirs", "linux-64"), ("subdirs", "noarch"),
    ]

    @Test func ownersCreateViewEditAndDeletePoliciesViewersOnlyRead() async throws {
        let app = try await TestApp()
        let org = try await app.org("acme")
        try await app.user("owner", role: .owner, in: org)
        try await app.user("viewer", role: .viewer, in: org)
        try await app.user("stranger")
        try await app.run { client in
            let owner = Browser(client)
            try await owner.login("owner")
            #expect(try await owner.get("/orgs/acme").body.contains("id=\"policies-link\""))
            #expect(try await owner.get("/orgs/acme/policies/new").status == .ok)

            let bad = try await owner.post("/orgs/acme/policies", [("name", "secure"), ("allow", "numpy\r\nscipy >>1"), ("exclude_before", "yesterday")])
            #expect(bad.status == .badRequest)
            #expect(bad.body.contains("Line 2 (“scipy &gt;&gt;1”)"))
            #expect(bad.body.contains("id=\"exclude-before-error\""))
            #expect(try await app.database.policies(org: org.id!).isEmpty)

            let created = try await owner.post("/orgs/acme/policies", Self.fields)
            #expect(created.status == .seeOther)
            let policy = try #require(try await app.database.policies(org: org.id!).first)
            #expect(policy.decodedRules == PolicyRules(
                allow: ["numpy >=1.24,<2", "python 3.11.*"], block: ["libblas * *mkl"], includeDependencies: true, licenseBlock: ["AGPL*"],
                coolingOffDays: 7, subdirs: ["linux-64", "noarch"]))
            #expect(try await owner.post("/orgs/acme/policies", Self.fields).body.contains("already has a policy named “secure”"))

            let view = try await owner.get("/orgs/acme/policies/\(policy.id!)")
            #expect(view.body.contains("numpy &gt;=1.24,&lt;2"))
            #expect(view.body.contains("id=\"edit-policy\""))
            let list = try await owner.get("/orgs/acme/policies")
            #expect(list.body.contains("not applied"))

            let viewer = Browser(client)
            try await viewer.login("viewer")
            let seen = try await viewer.get("/orgs/acme/policies/\(policy.id!)")
            #expect(seen.status == .ok)
            #expect(!seen.body.contains("id=\"edit-policy\""))
            #expect(try await viewer.get("/orgs/acme/policies/new").status == .forbidden)
            #expect(try await viewer.post("/orgs/acme/policies/\(policy.id!)/delete").status == .forbidden)

            let stranger = Browser(client)
            try await stranger.login("stranger")
            #expect(try await stranger.get("/orgs/acme/policies/\(policy.id!)").status == .notFound)

            let edited = try await owner.post("/orgs/acme/policies/\(policy.id!)/edit", [("name", "secure"), ("allow", "numpy")])
            #expect(edited.status == .seeOther)
            #expect(try await app.database.policy(id: policy.id!)?.decodedRules == PolicyRules(allow: ["numpy"]))
            #expect(try await owner.post("/orgs/acme/policies/\(policy.id!)/delete").status == .seeOther)
            #expect(try await app.database.policy(id: policy.id!) == nil)
        }
    }

    @Test func aChannelPolicyCannotAlsoBeItsMirrorsPolicyAndAnAppliedPolicyIsNotDeleted() async throws {
        let app = try await TestApp()
        let org = try await app.org("acme")
        let other = try await app.org("other")
        try await app.user("owner", role: .owner, in: org)
        let channel = try await app.channel("main", in: org)
        let mirror = try await app.database.createMirror(
            MirrorRecord(channelID: channel.id!, name: "up", type: "conda", mode: "active", sourceURL: "http://127.0.0.1:9/c",
                         subdirs: ["noarch"], cron: "0 0 1 * *"), by: .system)
        let valid = try PolicyInput(name: "secure", allow: ["numpy"]).validate().get()
        let secure = try await app.database.createPolicy(org: org.id!, valid, by: .system)
        let loose = try await app.database.createPolicy(org: org.id!, try PolicyInput(name: "loose").validate().get(), by: .system)
        let foreign = try await app.database.createPolicy(org: other.id!, valid, by: .system)
        try await app.run { client in
            let owner = Browser(client)
            try await owner.login("owner")
            let settings = try await owner.get("/channels/main/-/settings")
            #expect(settings.body.contains("id=\"channel-policy\""))
            #expect(try await owner.post("/channels/main/-/policy", [("policy", String(foreign.id!))]).status == .badRequest)
            #expect(try await owner.post("/channels/main/-/policy", [("policy", String(secure.id!))]).status == .seeOther)
            #expect(try await app.database.channel(id: channel.id!)?.policyID == secure.id)
            #expect(try await owner.get("/channels/main/-/settings").body.contains("id=\"view-channel-policy\""))

            let base = "/channels/main/-/mirrors/\(mirror.id!)/edit"
            let form = try await owner.get(base)
            #expect(form.body.contains("Use the channel&#39;s policy (secure)"))
            #expect(form.body.contains("id=\"view-applied-policy\""))
            let clash = try await owner.post(base, [("name", "up"), ("subdirs", "noarch"), ("frequency", "monthly"), ("policy", String(secure.id!))])
            #expect(clash.status == .badRequest)
            #expect(clash.body.contains("already the channel&#39;s policy"))
            let own = try await owner.post(base, [("name", "up"), ("subdirs", "noarch"), ("frequency", "monthly"), ("policy", String(loose.id!))])
            #expect(own.status == .seeOther)
            #expect(try await app.database.mirror(id: mirror.id!)?.policyID == loose.id)
            let effective = try await app.database.effectivePolicy(mirror: try #require(try await app.database.mirror(id: mirror.id!)))
            #expect(effective?.name == "loose")

            // The channel cannot take the policy its mirror already has.
            let reverse = try await owner.post("/channels/main/-/policy", [("policy", String(loose.id!))])
            #expect(reverse.status == .badRequest)
            #expect(reverse.body.contains("already applied to mirror up"))

            let refused = try await owner.post("/orgs/acme/policies/\(loose.id!)/delete")
            #expect(refused.status == .seeOther)
            #expect(try await app.database.policy(id: loose.id!) != nil)
        }
    }

    @Test func policiesThroughTheAPI() async throws {
        let app = try await TestApp()
        let org = try await app.org("acme")
        try await app.user("owner", role: .owner, in: org)
        try await app.user("viewer", role: .viewer, in: org)
        _ = try await app.channel("main", in: org)
        let token = try await TokenMinter.mint(database: app.database, user: try await app.database.user(named: "owner")!, name: "t", by: .system)
        let viewerToken = try await TokenMinter.mint(database: app.database, user: try await app.database.user(named: "viewer")!, name: "t", by: .system)
        try await app.run { client in
            let body = #"{"org":"acme","name":"secure","allow":["numpy >=1.24"],"include_dependencies":true,"license_block":["AGPL*"],"cooling_off_days":3}"#
            #expect(try await client.api("/api/v1/policies", method: .post, token: viewerToken, json: body).status == .forbidden)
            let created = try await client.api("/api/v1/policies", method: .post, token: token, json: body)
            #expect(created.status == .created)
            #expect(created.body.contains("\"include_dependencies\":true"))
            let bad = try await client.api("/api/v1/policies", method: .post, token: token, json: #"{"org":"acme","name":"x","allow":["numpy >=="]}"#)
            #expect(bad.status == .badRequest)
            #expect(bad.body.contains("Line 1"))
            let id = try #require(try await app.database.policies(org: org.id!).first?.id)
            let patched = try await client.api("/api/v1/policies/\(id)", method: .patch, token: token, json: #"{"block":["openssl <3"]}"#)
            #expect(patched.status == .ok)
            #expect(patched.body.contains("openssl <3") && patched.body.contains("numpy >=1.24"))
            let applied = try await client.api("/api/v1/channels/main", method: .patch, token: token, json: #"{"policy":"secure"}"#)
            #expect(applied.body.contains("\"policy\":\"secure\""))
            let python = try await client.api(
                "/api/v1/channels/main/mirrors", method: .post, token: token,
                json: #"{"name":"py","type":"python","source_url":"https://pypi.example/simple","policy":"secure"}"#)
            #expect(python.status == .badRequest)
            #expect(python.body.contains("Policies apply to conda mirrors"))
            let unknown = try await client.api(
                "/api/v1/channels/main/mirrors", method: .post, token: token,
                json: #"{"name":"up","type":"conda","source_url":"https://conda.example/c","policy":"nope"}"#)
            #expect(unknown.body.contains("no policy named “nope”"))
            let list = try await client.api("/api/v1/policies?org=acme", token: viewerToken)
            #expect(list.body.contains("\"applied_to\":[\"channel main\"]"))
            #expect(try await client.api("/api/v1/policies/\(id)", method: .delete, token: token).status == .conflict)
            #expect(try await client.api("/api/v1/channels/main", method: .patch, token: token, json: #"{"policy":""}"#).status == .ok)
            #expect(try await client.api("/api/v1/policies/\(id)", method: .delete, token: token).status == .noContent)
        }
    }

    @Test func anotherOrganisationsPoliciesAreInvisible() async throws {
        let app = try await TestApp()
        let a = try await app.org("org-a"), b = try await app.org("org-b")
        try await app.user("owner-a", role: .owner, in: a)
        try await app.user("owner-b", role: .owner, in: b)
        try await app.user("channel-editor", role: .contributor, in: b)
        let secret = try await app.database.createPolicy(org: a.id!, try PolicyInput(name: "secret", allow: ["numpy"]).validate().get(), by: .system)
        let channelB = try await app.channel("bee", in: b, privacy: "public")
        let mirrorB = try await app.database.createMirror(
            MirrorRecord(channelID: channelB.id!, name: "up", type: "conda", mode: "active", sourceURL: "http://127.0.0.1:9/c",
                         subdirs: ["noarch"], cron: "0 0 1 * *"), by: .system)
        let tokenB = try await TokenMinter.mint(database: app.database, user: try await app.database.user(named: "owner-b")!, name: "t", by: .system)
        try await app.run { client in
            let browser = Browser(client)
            try await browser.login("owner-b")
            for path in ["/orgs/org-a/policies", "/orgs/org-a/policies/\(secret.id!)", "/orgs/org-a/policies/\(secret.id!)/edit",
                         "/orgs/org-b/policies/\(secret.id!)", "/orgs/org-b/policies/\(secret.id!)/edit"] {
                #expect(try await browser.get(path).status == .notFound, "GET \(path)")
            }
            for path in ["/orgs/org-a/policies/\(secret.id!)/edit", "/orgs/org-a/policies/\(secret.id!)/delete",
                         "/orgs/org-b/policies/\(secret.id!)/delete"] {
                #expect(try await browser.post(path, [("name", "stolen")]).status == .notFound, "POST \(path)")
            }
            #expect(try await browser.post("/channels/bee/-/policy", [("policy", String(secret.id!))]).status == .badRequest)
            let form = try await browser.post(
                "/channels/bee/-/mirrors/\(mirrorB.id!)/edit", [("name", "up"), ("subdirs", "noarch"), ("frequency", "monthly"), ("policy", String(secret.id!))])
            #expect(form.status == .badRequest)
            #expect(try await app.database.mirror(id: mirrorB.id!)?.policyID == nil)
            // The form without a CSRF token changes nothing.
            let forged = try await browser.post("/channels/bee/-/policy", [("policy", "")], csrf: "wrong")
            #expect(forged.status == .forbidden)

            #expect(try await client.api("/api/v1/policies/\(secret.id!)", token: tokenB).status == .notFound)
            #expect(try await client.api("/api/v1/policies/\(secret.id!)", method: .patch, token: tokenB, json: #"{"allow":["*"]}"#).status == .notFound)
            #expect(try await client.api("/api/v1/policies/\(secret.id!)", method: .delete, token: tokenB).status == .notFound)
            #expect(!(try await client.api("/api/v1/policies?org=org-a", token: tokenB).body.contains("secret")))
            #expect(try await client.api("/api/v1/policies", method: .post, token: tokenB, json: #"{"org":"org-a","name":"x"}"#).status == .badRequest)
            #expect(try await app.database.policy(id: secret.id!)?.decodedRules == PolicyRules(allow: ["numpy"]))

            // A public channel's policy name is only for those who may view the organisation's policies.
            let mine = try await app.database.createPolicy(org: b.id!, try PolicyInput(name: "internal-name").validate().get(), by: .system)
            _ = try await app.database.setChannelPolicy(channelID: channelB.id!, policyID: mine.id, by: .system)
            #expect(!(try await client.api("/api/v1/channels/bee").body.contains("internal-name")))
            #expect(try await client.api("/api/v1/channels/bee", token: tokenB).body.contains("\"policy\":\"internal-name\""))
        }
    }

    @Test func aChannelPatchWithABadPolicyChangesNothing() async throws {
        let app = try await TestApp()
        let org = try await app.org("acme")
        try await app.user("owner", role: .owner, in: org)
        _ = try await app.channel("main", in: org)
        let token = try await TokenMinter.mint(database: app.database, user: try await app.database.user(named: "owner")!, name: "t", by: .system)
        try await app.run { client in
            let answer = try await client.api("/api/v1/channels/main", method: .patch, token: token, json: #"{"description":"changed","policy":"nope"}"#)
            #expect(answer.status == .badRequest)
            #expect(try await app.database.channel(fullName: "main")?.description == "")
        }
    }
}
