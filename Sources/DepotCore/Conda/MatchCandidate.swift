/// The fields of a package record a `MatchSpec` looks at, with the version parsed once (build one per record
/// and match it against many specs).
public struct MatchCandidate: Sendable {
    public let name: String
    public let version: CondaVersion
    public let build: String
    public let buildNumber: Int
    public let subdir: String
    public let md5: String?
    public let sha256: String?
    public let license: String?

    public init(
        name: String, version: CondaVersion, build: String, buildNumber: Int, subdir: String, md5: String? = nil,
        sha256: String? = nil, license: String? = nil
    ) {
        self.name = name
        self.version = version
        self.build = build
        self.buildNumber = buildNumber
        self.subdir = subdir
        self.md5 = md5
        self.sha256 = sha256
        self.license = license
    }

    /// A record from the repodata of `subdir` (which wins over the record's own `subdir` field).
    public init(_ record: CondaRecord, subdir: String) {
        self.init(
            name: record.name, version: CondaVersion(record.version), build: record.build,
            buildNumber: record.buildNumber, subdir: subdir, md5: record.md5, sha256: record.sha256,
            license: record.license)
    }
}
