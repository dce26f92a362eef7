import DepotCore
import Testing

@Suite struct PermissionTests {
    /// The levels at which each action becomes possible, written out independently of the code under test.
    static let expectedMinimum: [PermissionAction: PermissionLevel] = [
        .view: .read, .create: .write, .edit: .manage, .delete: .manage,
        .freeze: .manage, .stop: .manage, .restart: .manage,
    ]

    @Test("every category × level × action", arguments: PermissionCategory.allCases)
    func matrix(category: PermissionCategory) {
        for level in PermissionLevel.allCases {
            let grants = RoleGrants([category: level])
            for action in PermissionAction.allCases {
                let expected = level.rawValue >= Self.expectedMinimum[action]!.rawValue
                #expect(grants.allows(action, on: category) == expected, "\(category) \(level) \(action)")
                // A grant in one category never leaks into another.
                for other in PermissionCategory.allCases where other != category {
                    #expect(grants.allows(action, on: other) == false, "\(category) grant allowed \(action) on \(other)")
                }
            }
        }
    }

    @Test func builtInRoles() {
        let owner = BuiltInRole.owner.grants
        #expect(PermissionCategory.allCases.allSatisfy { owner[$0] == .manage })

        let manager = BuiltInRole.mirrorManager.grants
        #expect(manager.allows(.restart, on: .channelMirrors))
        #expect(manager.allows(.stop, on: .subchannelMirrors))
        #expect(!manager.allows(.freeze, on: .channels))
        #expect(manager.allows(.view, on: .channels))

        let contributor = BuiltInRole.contributor.grants
        #expect(contributor.allows(.create, on: .channels))
        #expect(!contributor.allows(.edit, on: .channels))
        #expect(!contributor.allows(.delete, on: .channelMirrors))
        #expect(!contributor.allows(.view, on: .auditLog))

        let viewer = BuiltInRole.viewer.grants
        #expect(viewer.allows(.view, on: .channels))
        #expect(!viewer.allows(.create, on: .channels))
        #expect(!viewer.allows(.view, on: .members))
    }

    @Test func grantsRoundTripThroughText() throws {
        let grants = RoleGrants([.channels: .manage, .auditLog: .read, .members: .none])
        #expect(grants.encoded == "channels=manage,audit_log=read")
        #expect(try RoleGrants(encoded: grants.encoded) == grants)
        #expect(try RoleGrants(encoded: "") == RoleGrants())
        #expect(throws: RoleGrantsError.unknownCategory("boats=read")) { try RoleGrants(encoded: "boats=read") }
        #expect(throws: RoleGrantsError.unknownLevel("channels=admin")) { try RoleGrants(encoded: "channels=admin") }
    }

    @Test func principalDecisions() {
        let orgA: Int64 = 1, orgB: Int64 = 2
        let viewerOfA = Principal(userID: 7, userName: "v", isAdmin: false, grants: [orgA: BuiltInRole.viewer.grants])

        #expect(viewerOfA.decide(.view, on: .channels, in: orgA) == .allowed)
        #expect(viewerOfA.decide(.freeze, on: .channels, in: orgA) == .forbidden)
        // Another tenant's private resource: not found, so its existence does not leak.
        #expect(viewerOfA.decide(.view, on: .channels, in: orgB) == .notFound)
        #expect(viewerOfA.decide(.delete, on: .channels, in: orgB) == .notFound)
        // Another tenant's public channel can be seen but not changed.
        #expect(viewerOfA.decide(.view, on: .channels, in: orgB, isPublic: true) == .allowed)
        #expect(viewerOfA.decide(.freeze, on: .channels, in: orgB, isPublic: true) == .forbidden)

        #expect(Principal.anonymous.decide(.view, on: .channels, in: orgA) == .notFound)
        #expect(Principal.anonymous.decide(.view, on: .channels, in: orgA, isPublic: true) == .allowed)

        let admin = Principal(userID: 1, userName: "admin", isAdmin: true, grants: [:])
        for category in PermissionCategory.allCases {
            for action in PermissionAction.allCases {
                #expect(admin.decide(action, on: category, in: orgB) == .allowed)
            }
        }
    }
}
