/// The fields of a repodata record Depot needs; the record itself is republished as upstream wrote it.
public struct CondaRecord: Sendable, Equatable {
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
    /// Milliseconds since 1970 in current repodata; some old records give seconds.
    public let timestamp: Int64?
    /// `license_family` (e.g. `GPL3`, `BSD`), when the record gives one.
    public let licenseFamily: String?

    public init(
        name: String, version: String, build: String, buildNumber: Int, sha256: String?, md5: String?, size: Int64?,
        subdir: String?, depends: [String], license: String?, timestamp: Int64?, licenseFamily: String? = nil
    ) {
        self.name = name
        self.version = version
        self.build = build
        self.buildNumber = buildNumber
        self.sha256 = sha256
        self.md5 = md5
        self.size = size
        self.subdir = subdir
        self.depends = depends
        self.license = license
        self.timestamp = timestamp
        self.licenseFamily = licenseFamily
    }

    /// Seconds since 1970, reading `timestamp` as milliseconds when it is too large to be seconds.
    public var uploadedAt: Int64? {
        guard let timestamp, timestamp > 0 else { return nil }
        return timestamp > 100_000_000_000 ? timestamp / 1000 : timestamp
    }

    /// Reads the fields Depot needs from a record's JSON text, with the repodata scanner (no tree is built);
    /// throws when the text is not a JSON object or lacks name, version or build.
    public static func parse(_ json: String) throws -> CondaRecord {
        var json = json
        return try json.withUTF8 { buffer throws(RepodataError) in
            var cursor = RepodataScanner.Cursor(buffer: buffer)
            return try cursor.record()
        }
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
