import Foundation

/// The fields of a repodata record Depot needs; the record itself is republished as upstream wrote it.
public struct CondaRecord: Sendable, Equatable, Decodable {
    public let name: String
    public let version: String
    public let build: String
    public let buildNumber: Int
    public let sha256: String?
    public let md5: String?
    public let size: Int64?
    public let subdir: String?
    public let depends: [String]
    public let license: String?
    public let timestamp: Int64?

    enum CodingKeys: String, CodingKey {
        case name, version, build, sha256, md5, size, subdir, depends, license, timestamp
        case buildNumber = "build_number"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        version = try c.decode(String.self, forKey: .version)
        build = try c.decode(String.self, forKey: .build)
        buildNumber = (try? c.decode(Int.self, forKey: .buildNumber)) ?? 0
        sha256 = try? c.decodeIfPresent(String.self, forKey: .sha256)
        md5 = try? c.decodeIfPresent(String.self, forKey: .md5)
        size = try? c.decodeIfPresent(Int64.self, forKey: .size)
        subdir = try? c.decodeIfPresent(String.self, forKey: .subdir)
        depends = (try? c.decodeIfPresent([String].self, forKey: .depends)) ?? []
        license = try? c.decodeIfPresent(String.self, forKey: .license)
        timestamp = try? c.decodeIfPresent(Int64.self, forKey: .timestamp)
    }

    public static func parse(_ json: String) throws -> CondaRecord {
        try JSONDecoder().decode(CondaRecord.self, from: Data(json.utf8))
    }

    /// Nil when the record can be mirrored, else what is wrong with it.
    public var problem: String? {
        if let sha256, !Self.isHex(sha256, count: 64) { return "sha256 is not 64 hexadecimal digits" }
        if let md5, !Self.isHex(md5, count: 32) { return "md5 is not 32 hexadecimal digits" }
        if sha256 == nil && md5 == nil { return "no sha256 or md5 to verify the file against" }
        if let size, size < 0 { return "negative size" }
        return nil
    }

    static func isHex(_ s: String, count: Int) -> Bool {
        s.utf8.count == count && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) || (65...70).contains($0) }
    }
}
