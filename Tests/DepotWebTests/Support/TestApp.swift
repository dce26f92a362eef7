import DepotCore
import DepotStore
import DepotWeb
import Foundation
import Hummingbird
import HummingbirdTesting

/// A Depot on a fresh data folder, served over real HTTP on loopback, with users seeded per role.
struct TestApp {
    static let password = "correct-horse-1"
    static let adminPassword = "admin-password-1"

    let config: AppConfig
    let database: AppDatabase

    init() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("depot-web-\(UUID().uuidString)")
        config = AppConfig(
            host: "127.0.0.1", port: 0, dataDirectory: dir, adminPassword: Self.adminPassword, logLevel: .warning, bcryptCost: 4)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        database = try AppDatabase.open(path: config.databasePath)
    }

    /// Creates `name` with the test password and, when given, a role in `org`.
    func user(_ name: String, role: BuiltInRole? = nil, in org: OrgRecord? = nil, admin: Bool = false) async throws {
        let hash = try await Passwords(cost: 4).hash(Self.password)
        _ = try await database.createUser(name: name, passwordHash: hash, isAdmin: admin, by: .system)
        if let role, let org {
            try await database.setMember(org: org.id!, userName: name, role: .builtIn(role), by: .system)
        }
    }

    func org(_ name: String) async throws -> OrgRecord {
        try await database.createOrg(name: name, by: .system)
    }

    @discardableResult
    func channel(_ name: String, in org: OrgRecord, privacy: String = "private", parent: ChannelRecord? = nil) async throws -> ChannelRecord {
        try await database.createChannel(
            org: org.id!, parent: parent, input: ChannelInput(name: name, description: "", privacy: privacy), by: .system)
    }

    /// Runs `body` against the server over loopback HTTP.
    func run(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = try await buildApplication(config)
        try await app.test(.live) { client in try await body(client) }
    }
}
