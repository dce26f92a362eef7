import DepotCore
import Foundation
import GRDB

/// A named set of rules of one organisation, applied to a channel's mirrors or to one mirror.
public struct PolicyRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "policies"
    public var id: Int64?
    public var orgID: Int64
    public var name: String
    public var description: String
    /// `PolicyRules` as JSON.
    public var rules: String
    public var createdAt: Date
    public var updatedAt: Date

    public enum Columns {
        public static let orgID = Column(CodingKeys.orgID)
        public static let name = Column(CodingKeys.name)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public init(orgID: Int64, name: String, description: String, rules: PolicyRules, now: Date = Date()) {
        self.orgID = orgID
        self.name = name
        self.description = description
        self.rules = Self.encode(rules)
        createdAt = now
        updatedAt = now
    }

    /// The stored rules, for pages; a row that cannot be read shows as rules that allow nothing. Runs use
    /// `storedRules()`, which fails instead.
    public var decodedRules: PolicyRules {
        (try? storedRules()) ?? PolicyRules(block: ["*"])
    }

    public func storedRules() throws -> PolicyRules {
        try JSONDecoder().decode(PolicyRules.self, from: Data(rules.utf8))
    }

    static func encode(_ rules: PolicyRules) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(rules)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
