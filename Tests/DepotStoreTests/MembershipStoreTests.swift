import DepotCore
import DepotStore
import Foundation
import Testing

@Suite struct MembershipStoreTests {
    @Test func principalReflectsBuiltInAndCustomRoles() async throws {
        let t = try TestDatabase()
        let a = try await t.makeOrg("a"), b = try await t.makeOrg("b")
        let alice = try await t.makeUser("alice")
        try await t.database.setMember(org: a.id!, userName: "alice", role: .builtIn(.contributor), by: .system)
        let auditor = try await t.database.saveCustomRole(
            id: nil, org: b.id!, name: "Auditor", grants: RoleGrants([.auditLog: .read, .channels: .read]), by: .system)
        try await t.database.setMember(org: b.id!, userName: "alice", role: .custom(auditor.id!), by: .system)

        let principal = try await t.database.principal(for: alice)
        #expect(principal.grants[a.id!] == BuiltInRole.contributor.grants)
        #expect(principal.level(on: .auditLog, in: b.id!) == .read)
        #expect(principal.level(on: .channels, in: b.id!) == .read)
        #expect(principal.level(on: .members, in: b.id!) == .none)
        #expect(try await t.database.members(of: b.id!).map(\.roleTitle) == ["Auditor"])

        // Changing the role replaces it.
        try await t.database.setMember(org: a.id!, userName: "alice", role: .builtIn(.viewer), by: .system)
        #expect(try await t.database.principal(for: alice).grants[a.id!] == BuiltInRole.viewer.grants)
        let actions = try await t.database.auditEntries(org: a.id).map(\.action)
        #expect(actions.prefix(2) == ["member.role", "member.add"])
    }

    @Test func customRolesInUseCannotBeDeleted() async throws {
        let t = try TestDatabase()
        let org = try await t.makeOrg()
        _ = try await t.makeUser("bob")
        let role = try await t.database.saveCustomRole(id: nil, org: org.id!, name: "Ops", grants: RoleGrants(), by: .system)
        try await t.database.setMember(org: org.id!, userName: "bob", role: .custom(role.id!), by: .system)
        await #expect(throws: StoreError.self) { try await t.database.deleteCustomRole(id: role.id!, org: org.id!, by: .system) }
        try await t.database.setMember(org: org.id!, userName: "bob", role: .builtIn(.viewer), by: .system)
        try await t.database.deleteCustomRole(id: role.id!, org: org.id!, by: .system)
        #expect(try await t.database.customRoles(of: org.id!).isEmpty)
    }

    @Test func roleNamesAreUniquePerOrganisationAndNotBuiltIn() async throws {
        let t = try TestDatabase()
        let org = try await t.makeOrg()
        _ = try await t.database.saveCustomRole(id: nil, org: org.id!, name: "Ops", grants: RoleGrants(), by: .system)
        await #expect(throws: StoreError.self) {
            try await t.database.saveCustomRole(id: nil, org: org.id!, name: "ops", grants: RoleGrants(), by: .system)
        }
        await #expect(throws: StoreError.self) {
            try await t.database.saveCustomRole(id: nil, org: org.id!, name: "Owner", grants: RoleGrants(), by: .system)
        }
    }

    @Test func unknownUserIsAFieldError() async throws {
        let t = try TestDatabase()
        let org = try await t.makeOrg()
        await #expect(throws: StoreError.invalid(ValidationErrors(field: "user", message: "There is no user named “ghost”."))) {
            try await t.database.setMember(org: org.id!, userName: "ghost", role: .builtIn(.viewer), by: .system)
        }
    }

    @Test func tokensAreFoundByHashUntilRevoked() async throws {
        let t = try TestDatabase()
        let user = try await t.makeUser("carol")
        let token = try await t.database.createToken(
            APITokenRecord(userID: user.id!, name: "ci", tokenHash: "abc", prefix: "dpt_x", createdAt: Date()),
            userName: "carol", by: .system)
        #expect(try await t.database.userForToken(hash: "abc")?.name == "carol")
        #expect(try await t.database.userForToken(hash: "abd") == nil)
        try await t.database.revokeToken(id: token.id!, userID: user.id!, by: .system)
        #expect(try await t.database.userForToken(hash: "abc") == nil)
        #expect(try await t.database.tokens(of: user.id!).first?.revokedAt != nil)
    }

    @Test func usersAreUniqueWithoutCase() async throws {
        let t = try TestDatabase()
        _ = try await t.makeUser("Dave")
        await #expect(throws: StoreError.self) { try await t.makeUser("dave") }
        #expect(try await t.database.user(named: "DAVE")?.name == "Dave")
    }
}
