import Foundation
import GRDB

public struct MirrorRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "mirrors"
    public var id: Int64?
    public var channelID: Int64
    public var name: String
    /// `MirrorType` raw value.
    public var type: String
    /// `MirrorMode` raw value; fixed at creation.
    public var mode: String
    /// The upstream URL; may hold a token. Never shown or logged: use `SourceURL.redacted`.
    public var sourceURL: String
    /// Comma-separated conda subdirs.
    public var subdirs: String
    public var cron: String
    /// `RunStatus` raw value of the latest run, or "" when it never ran.
    public var status: String
    public var step: String
    public var statusDescription: String
    public var progressDone: Int
    public var progressTotal: Int
    public var progressBytes: Int64
    public var lastCompletedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    /// When the scheduler starts the next run.
    public var nextRunAt: Date?
    /// Python and R: name patterns left out (one per line), and exceptions to them.
    public var exclude: String = ""
    public var include: String = ""
    /// R: licence families left out, one per line.
    public var licenseExclude: String = ""
    /// The mirror's own policy; nil uses the channel's.
    public var policyID: Int64?

    public enum Columns {
        public static let policyID = Column(CodingKeys.policyID)
        public static let nextRunAt = Column(CodingKeys.nextRunAt)
        public static let channelID = Column(CodingKeys.channelID)
        public static let name = Column(CodingKeys.name)
        public static let status = Column(CodingKeys.status)
        public static let createdAt = Column(CodingKeys.createdAt)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public var subdirList: [String] { subdirs.split(separator: ",").map(String.init) }

    public init(
        channelID: Int64, name: String, type: String, mode: String, sourceURL: String, subdirs: [String], cron: String, now: Date = Date()
    ) {
        self.channelID = channelID
        self.name = name
        self.type = type
        self.mode = mode
        self.sourceURL = sourceURL
        self.subdirs = subdirs.joined(separator: ",")
        self.cron = cron
        status = ""
        step = ""
        statusDescription = ""
        progressDone = 0
        progressTotal = 0
        progressBytes = 0
        createdAt = now
        updatedAt = now
    }
}

public struct RunRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "mirror_runs"
    public var id: Int64?
    public var mirrorID: Int64
    public var status: String
    public var trigger: String
    public var queuedAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var error: String?
    public var sourceCount: Int
    public var keptCount: Int
    public var filteredCount: Int
    public var downloadedCount: Int
    public var downloadedBytes: Int64
    /// The policy the run applied, by name at the time, if any.
    public var policyName: String?
    /// Packages kept only because an allowed package depends on them.
    public var dependencyCount: Int = 0

    public enum Columns {
        public static let mirrorID = Column(CodingKeys.mirrorID)
        public static let status = Column(CodingKeys.status)
        public static let id = Column(CodingKeys.id)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A package of the source that a run did not publish, and why.
public struct FilteredRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "run_filtered"
    public var id: Int64?
    public var runID: Int64
    public var subdir: String
    public var filename: String
    public var reason: String
    public var detail: String

    public init(runID: Int64, subdir: String, filename: String, reason: String, detail: String) {
        self.runID = runID
        self.subdir = subdir
        self.filename = filename
        self.reason = reason
        self.detail = detail
    }

    public enum Columns {
        public static let runID = Column(CodingKeys.runID)
        public static let reason = Column(CodingKeys.reason)
    }
}

/// A file a channel publishes in one subdir.
public struct PackageRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "packages"
    public var id: Int64?
    public var channelID: Int64
    public var mirrorID: Int64?
    public var subdir: String
    public var filename: String
    public var name: String
    public var version: String
    public var build: String
    public var size: Int64?
    public var sha256: String?
    public var md5: String?
    /// The repodata record exactly as upstream wrote it.
    public var record: String
    /// `active` or `passive`: how the file reaches the blob store.
    public var mode: String
    /// Where to fetch the file (may hold a token; never shown).
    public var upstreamURL: String
    /// The sha256 of the stored blob once the file is in the blob store.
    public var blobSHA256: String?
    public var createdAt: Date

    public enum Columns {
        public static let channelID = Column(CodingKeys.channelID)
        public static let mirrorID = Column(CodingKeys.mirrorID)
        public static let subdir = Column(CodingKeys.subdir)
        public static let filename = Column(CodingKeys.filename)
        public static let name = Column(CodingKeys.name)
        public static let blobSHA256 = Column(CodingKeys.blobSHA256)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public init(
        channelID: Int64, mirrorID: Int64?, subdir: String, filename: String, name: String, version: String, build: String,
        size: Int64?, sha256: String?, md5: String?, record: String, mode: String, upstreamURL: String, blobSHA256: String?
    ) {
        self.channelID = channelID
        self.mirrorID = mirrorID
        self.subdir = subdir
        self.filename = filename
        self.name = name
        self.version = version
        self.build = build
        self.size = size
        self.sha256 = sha256
        self.md5 = md5
        self.record = record
        self.mode = mode
        self.upstreamURL = upstreamURL
        self.blobSHA256 = blobSHA256
        createdAt = Date()
    }
}

/// Which generation of a subdir's index files a channel publishes, and which it serves (they differ while frozen).
public struct IndexRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "subdir_indexes"
    public var channelID: Int64
    /// A conda subdir, or "" for the channel's `channeldata.json`.
    public var subdir: String
    public var liveGeneration: String
    public var liveETag: String
    public var liveAt: Date
    public var servedGeneration: String
    public var servedETag: String
    public var servedAt: Date

    public enum Columns {
        public static let channelID = Column(CodingKeys.channelID)
        public static let subdir = Column(CodingKeys.subdir)
    }
}

/// What the upstream said last time, for conditional requests.
public struct UpstreamStateRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "upstream_state"
    public var mirrorID: Int64
    public var subdir: String
    public var etag: String?
    public var lastModified: String?

    public init(mirrorID: Int64, subdir: String, etag: String?, lastModified: String?) {
        self.mirrorID = mirrorID
        self.subdir = subdir
        self.etag = etag
        self.lastModified = lastModified
    }
}
