import Foundation
import GRDB
import Synchronization

/// The metadata store: one SQLite database in WAL mode behind one `DatabasePool`.
public final class AppDatabase: Sendable {
    public let writer: any DatabaseWriter
    private let packageVersion = Mutex<Int>(0)

    /// Grows with every change to the packages table made through this process (caches of rendered indexes
    /// compare it to know they are current).
    public var packagesVersion: Int { packageVersion.withLock { $0 } }

    func packagesChanged() { packageVersion.withLock { $0 += 1 } }

    public init(_ writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    /// Opens (creating when missing) the database file at `path`.
    public static func open(path: String) throws -> AppDatabase {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // WAL with NORMAL is durable across crashes of the process; only a power cut may lose the last commits.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        config.busyMode = .timeout(10)
        let pool = try DatabasePool(path: path, configuration: config)
        return try AppDatabase(pool)
    }

    public var reader: any DatabaseReader { writer }

    /// Closes the database; further access throws.
    public func close() throws {
        if let pool = writer as? DatabasePool {
            try pool.close()
        } else if let queue = writer as? DatabaseQueue {
            try queue.close()
        }
    }

    public func integrityCheck() async throws -> String {
        try await writer.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "" }
    }
}
