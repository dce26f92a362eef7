import DepotCore
import Foundation
import GRDB

/// How one subdir of a channel changes after a mirror run.
public struct SubdirChange: Sendable {
    public var upserts: [PackageRecord]
    public var removals: [String]

    public init(upserts: [PackageRecord], removals: [String]) {
        self.upserts = upserts
        self.removals = removals
    }
}

extension AppDatabase {
    /// The packages a mirror brought into one subdir, by filename.
    public func packages(mirrorID: Int64, subdir: String) async throws -> [String: PackageRecord] {
        try await reader.read { db in
            let rows = try PackageRecord.filter(PackageRecord.Columns.mirrorID == mirrorID && PackageRecord.Columns.subdir == subdir).fetchAll(db)
            return Dictionary(rows.map { ($0.filename, $0) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// Filenames of `subdir` owned by mirrors of the channel created before `mirrorID` (ids grow with creation):
    /// they win duplicates.
    public func filenamesOwnedByOthers(channelID: Int64, subdir: String, mirrorID: Int64) async throws -> [String: String] {
        try await reader.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT p.filename, m.name FROM packages p JOIN mirrors m ON m.id = p.mirrorID
                    WHERE p.channelID = ? AND p.subdir = ? AND p.mirrorID < ?
                    """,
                arguments: [channelID, subdir, mirrorID])
            return Dictionary(rows.map { ($0["filename"] as String, $0["name"] as String) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// Applies a run's result to one subdir in one transaction: readers see the old set or the new one.
    /// A filename another mirror of the channel already provides is left to it. A row keeps its stored blob
    /// while its sha256 stays the same.
    public func apply(_ change: SubdirChange, channelID: Int64, mirrorID: Int64?, subdir: String) async throws {
        try await apply([subdir: change], channelID: channelID, mirrorID: mirrorID)
    }

    /// Applies changes to several subdirs (Python projects) in one transaction.
    public func apply(_ changes: [String: SubdirChange], channelID: Int64, mirrorID: Int64?) async throws {
        defer { packagesChanged() }
        try await writer.write { db in
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO packages (channelID, mirrorID, subdir, filename, name, version, build, size, sha256, md5, record, mode, upstreamURL, blobSHA256, createdAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(channelID, subdir, filename) DO UPDATE SET
                    name = excluded.name, version = excluded.version, build = excluded.build, size = excluded.size,
                    blobSHA256 = CASE WHEN packages.sha256 IS excluded.sha256 AND packages.md5 IS excluded.md5 AND packages.size IS excluded.size
                        THEN COALESCE(excluded.blobSHA256, packages.blobSHA256) ELSE excluded.blobSHA256 END,
                    sha256 = excluded.sha256, md5 = excluded.md5, record = excluded.record, mode = excluded.mode,
                    upstreamURL = excluded.upstreamURL
                WHERE packages.mirrorID IS excluded.mirrorID OR packages.mirrorID > excluded.mirrorID
                """)
            let delete = try db.cachedStatement(
                sql: "DELETE FROM packages WHERE channelID = ? AND subdir = ? AND filename = ? AND mirrorID IS ?")
            let now = Date()
            for (subdir, change) in changes {
                for p in change.upserts {
                    try upsert.execute(arguments: [
                        channelID, mirrorID, subdir, p.filename, p.name, p.version, p.build, p.size, p.sha256, p.md5, p.record,
                        p.mode, p.upstreamURL, p.blobSHA256, now,
                    ])
                }
                for filename in change.removals {
                    try delete.execute(arguments: [channelID, subdir, filename, mirrorID])
                }
            }
        }
    }

    /// Python projects (as `pypi/<name>` subdirs) a mirror brought, and all rows of them.
    public func packages(mirrorID: Int64, subdirPrefix: String) async throws -> [String: [String: PackageRecord]] {
        try await reader.read { db in
            let rows = try PackageRecord
                .filter(PackageRecord.Columns.mirrorID == mirrorID && PackageRecord.Columns.subdir.like("\(subdirPrefix)%"))
                .fetchAll(db)
            var result: [String: [String: PackageRecord]] = [:]
            for row in rows { result[row.subdir, default: [:]][row.filename] = row }
            return result
        }
    }

    /// Distinct Python project names of a channel (`pypi/<name>` subdirs), with their display names.
    public func pythonProjects(channelID: Int64) async throws -> [(normalized: String, name: String)] {
        try await reader.read { db in
            try Row.fetchAll(
                db, sql: "SELECT subdir, MIN(name) FROM packages WHERE channelID = ? AND subdir LIKE 'pypi/%' GROUP BY subdir ORDER BY subdir",
                arguments: [channelID]
            ).map { (String(($0[0] as String).dropFirst(5)), $0[1]) }
        }
    }

    /// A served Python file by name (filenames are unique within a project; they carry the project's name).
    public func pythonFile(channelID: Int64, filename: String) async throws -> PackageRecord? {
        try await reader.read { db in
            try PackageRecord
                .filter(PackageRecord.Columns.channelID == channelID && PackageRecord.Columns.filename == filename
                        && PackageRecord.Columns.subdir.like("pypi/%"))
                .fetchOne(db)
        }
    }

    /// All files of one Python project of a channel.
    public func pythonFiles(channelID: Int64, project: String) async throws -> [PackageRecord] {
        try await reader.read { db in
            try PackageRecord
                .filter(PackageRecord.Columns.channelID == channelID && PackageRecord.Columns.subdir == "pypi/\(project)")
                .order(PackageRecord.Columns.filename).fetchAll(db)
        }
    }

    /// Name, version and subdir of every package of a channel, for `channeldata.json`.
    public func packageVersions(channelID: Int64) async throws -> [(name: String, version: String, subdir: String)] {
        try await reader.read { db in
            try Row.fetchAll(
                db, sql: "SELECT DISTINCT name, version, subdir FROM packages WHERE channelID = ? AND subdir NOT LIKE '%/%'",
                arguments: [channelID])
                .map { ($0[0], $0[1], $0[2]) }
        }
    }

    public func package(channelID: Int64, subdir: String, filename: String) async throws -> PackageRecord? {
        try await reader.read { db in
            try PackageRecord
                .filter(PackageRecord.Columns.channelID == channelID && PackageRecord.Columns.subdir == subdir && PackageRecord.Columns.filename == filename)
                .fetchOne(db)
        }
    }

    /// Records that a package's file is now in the blob store (every channel's row for the same file).
    public func setBlob(sha256: String, forPackagesWithSHA256 expected: String?, md5: String?, filename: String) async throws {
        defer { packagesChanged() }
        try await writer.write { db in
            if let expected {
                try db.execute(sql: "UPDATE packages SET blobSHA256 = ? WHERE sha256 = ? AND filename = ?", arguments: [sha256, expected, filename])
            } else if let md5 {
                try db.execute(sql: "UPDATE packages SET blobSHA256 = ? WHERE md5 = ? AND filename = ?", arguments: [sha256, md5, filename])
            }
        }
    }

    /// Subdirs of a channel that have packages or a published index.
    public func subdirs(channelID: Int64) async throws -> [String] {
        try await reader.read { db in
            try String.fetchAll(
                db,
                sql: "SELECT subdir FROM packages WHERE channelID = ? AND subdir NOT LIKE '%/%' UNION SELECT subdir FROM subdir_indexes WHERE channelID = ? AND subdir <> '' ORDER BY 1",
                arguments: [channelID, channelID])
        }
    }

    /// Streams a subdir's packages in filename order, `packages` section first, for the index writer.
    /// Synchronous (the caller's state need not be Sendable); call it off the event loops.
    public func forEachPackage(
        channelID: Int64, subdir: String, _ body: (_ filename: String, _ record: String) throws -> Void
    ) throws {
        try reader.read { db in
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT filename, record FROM packages WHERE channelID = ? AND subdir = ?
                    ORDER BY (filename LIKE '%.conda'), filename
                    """,
                arguments: [channelID, subdir])
            while let row = try cursor.next() {
                try body(row[0], row[1])
            }
        }
    }

    /// A page of a channel's packages for the Packages tab.
    public func packagePage(channelID: Int64, search: String?, limit: Int, offset: Int) async throws -> (rows: [PackageRecord], total: Int) {
        try await reader.read { db in
            var request = PackageRecord.filter(PackageRecord.Columns.channelID == channelID)
            if let search, !search.isEmpty {
                let escaped = search.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
                request = request.filter(sql: "name LIKE ? ESCAPE '\\'", arguments: ["%\(escaped)%"])
            }
            let total = try request.fetchCount(db)
            let rows = try request.order(PackageRecord.Columns.name, Column("version").desc, PackageRecord.Columns.subdir, PackageRecord.Columns.filename)
                .limit(limit, offset: offset).fetchAll(db)
            return (rows, total)
        }
    }

    // MARK: Published indexes

    /// Makes `generation` the live index of a subdir; it is also served unless the channel is frozen.
    /// Answers generations no longer referenced, which the caller may delete.
    public func publishIndex(channelID: Int64, subdir: String, generation: String, etag: String) async throws -> [String] {
        try await writer.write { db in
            guard let channel = try ChannelRecord.fetchOne(db, key: channelID) else { throw StoreError.notFound("channel") }
            let now = Date()
            let old = try IndexRecord.fetchOne(db, key: ["channelID": channelID, "subdir": subdir])
            var index = old ?? IndexRecord(
                channelID: channelID, subdir: subdir, liveGeneration: generation, liveETag: etag, liveAt: now,
                servedGeneration: generation, servedETag: etag, servedAt: now)
            index.liveGeneration = generation
            index.liveETag = etag
            index.liveAt = now
            if !channel.frozen || old == nil {
                index.servedGeneration = generation
                index.servedETag = etag
                index.servedAt = now
            }
            try index.save(db)
            guard let old else { return [] }
            return Set([old.liveGeneration, old.servedGeneration]).subtracting([index.liveGeneration, index.servedGeneration]).sorted()
        }
    }

    public func servedIndex(channelID: Int64, subdir: String) async throws -> IndexRecord? {
        try await reader.read { db in try IndexRecord.fetchOne(db, key: ["channelID": channelID, "subdir": subdir]) }
    }
}

extension AppDatabase {
    public func packageCount(mirrorID: Int64) async throws -> Int {
        try await reader.read { db in try PackageRecord.filter(PackageRecord.Columns.mirrorID == mirrorID).fetchCount(db) }
    }
}

extension AppDatabase {
    /// Every package row of one subdir of a channel, by filename.
    public func packages(channelID: Int64, subdir: String) async throws -> [PackageRecord] {
        try await reader.read { db in
            try PackageRecord.filter(PackageRecord.Columns.channelID == channelID && PackageRecord.Columns.subdir == subdir)
                .order(PackageRecord.Columns.name).fetchAll(db)
        }
    }
}
