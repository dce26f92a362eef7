/// What a policy says about the packages of an upstream conda channel, as stored and as the API shows it.
/// `CompiledPolicy` is the same rules, parsed, ready to apply.
public struct PolicyRules: Sendable, Equatable, Codable {
    /// MatchSpecs that allow packages; empty allows every package.
    public var allow: [String]
    /// MatchSpecs that block packages; a block always wins over allow and over dependencies.
    public var block: [String]
    /// Bring in, transitively, every package an allowed package depends on.
    public var includeDependencies: Bool
    /// Licence patterns (`*`/`?` wildcards, case-insensitive) matched against `license` and `license_family`.
    public var licenseBlock: [String]
    /// Block packages whose record gives no licence.
    public var blockMissingLicense: Bool
    /// Cooling-off: block packages uploaded less than this many days ago.
    public var coolingOffDays: Int?
    /// Block packages uploaded before this day (`YYYY-MM-DD`, UTC).
    public var excludeBefore: String?
    /// Subdirs the policy keeps; empty keeps every subdir the mirror copies.
    public var subdirs: [String]

    public init(
        allow: [String] = [], block: [String] = [], includeDependencies: Bool = false, licenseBlock: [String] = [],
        blockMissingLicense: Bool = false, coolingOffDays: Int? = nil, excludeBefore: String? = nil, subdirs: [String] = []
    ) {
        self.allow = allow
        self.block = block
        self.includeDependencies = includeDependencies
        self.licenseBlock = licenseBlock
        self.blockMissingLicense = blockMissingLicense
        self.coolingOffDays = coolingOffDays
        self.excludeBefore = excludeBefore
        self.subdirs = subdirs
    }

    enum CodingKeys: String, CodingKey {
        case allow, block, includeDependencies, licenseBlock, blockMissingLicense, coolingOffDays, excludeBefore, subdirs
    }

    /// Every field is optional in stored JSON, so rules saved before a field existed still read.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        allow = try c.decodeIfPresent([String].self, forKey: .allow) ?? []
        block = try c.decodeIfPresent([String].self, forKey: .block) ?? []
        includeDependencies = try c.decodeIfPresent(Bool.self, forKey: .includeDependencies) ?? false
        licenseBlock = try c.decodeIfPresent([String].self, forKey: .licenseBlock) ?? []
        blockMissingLicense = try c.decodeIfPresent(Bool.self, forKey: .blockMissingLicense) ?? false
        coolingOffDays = try c.decodeIfPresent(Int.self, forKey: .coolingOffDays)
        excludeBefore = try c.decodeIfPresent(String.self, forKey: .excludeBefore)
        subdirs = try c.decodeIfPresent([String].self, forKey: .subdirs) ?? []
    }

    /// A dependency report exists only for policies that allow by MatchSpec and include dependencies.
    public var offersDependencyReport: Bool { !allow.isEmpty && includeDependencies }

    /// One line per rule, for read-only views ("View Applied Policy").
    public var summary: [String] {
        var lines: [String] = []
        lines.append(allow.isEmpty ? "Allows every package" : "Allows: " + allow.joined(separator: "; "))
        if !block.isEmpty { lines.append("Blocks: " + block.joined(separator: "; ")) }
        lines.append(includeDependencies ? "Includes dependencies of allowed packages" : "Does not include dependencies")
        if !licenseBlock.isEmpty { lines.append("Blocks licences: " + licenseBlock.joined(separator: ", ")) }
        if blockMissingLicense { lines.append("Blocks packages that give no licence") }
        if let coolingOffDays { lines.append("Blocks packages uploaded in the last \(coolingOffDays) day\(coolingOffDays == 1 ? "" : "s")") }
        if let excludeBefore { lines.append("Blocks packages uploaded before \(excludeBefore)") }
        lines.append(subdirs.isEmpty ? "All mirrored subdirs" : "Subdirs: " + subdirs.joined(separator: ", "))
        return lines
    }
}
