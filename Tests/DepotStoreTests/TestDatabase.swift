import DepotStore
import Foundation

/// A fresh SQLite file per test, in its own temporary folder.
struct TestDatabase {
    let directory: URL
    let database: AppDatabase

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("depot-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        database = try AppDatabase.open(path: directory.appendingPathComponent("depot.sqlite").path)
    }

    func makeOrg(_ name: String = "acme") async throws -> OrgRecord {
        try await database.createOrg(name: name, by: .system)
    }

    func makeUser(_ name: String, admin: Bool = false) async throws -> UserRecord {
        try await database.createUser(name: name, passwordHash: "x", isAdmin: admin, by: .system)
    }
}
