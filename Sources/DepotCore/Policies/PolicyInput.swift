/// What a user submits to create or edit a policy, from the form (text, one rule per line) or the API
/// (arrays); `validate` checks every field at once and names the bad line.
public struct PolicyInput: Sendable, Equatable {
    public var name: String
    public var description: String
    public var allow: [String]
    public var block: [String]
    public var includeDependencies: Bool
    public var licenseBlock: [String]
    public var blockMissingLicense: Bool
    /// Text as typed: empty for none.
    public var coolingOffDays: String
    public var excludeBefore: String
    public var subdirs: [String]

    public init(
        name: String, description: String = "", allow: [String] = [], block: [String] = [], includeDependencies: Bool = false,
        licenseBlock: [String] = [], blockMissingLicense: Bool = false, coolingOffDays: String = "", excludeBefore: String = "",
        subdirs: [String] = []
    ) {
        self.name = name
        self.description = description
        self.allow = allow
        self.block = block
        self.includeDependencies = includeDependencies
        self.licenseBlock = licenseBlock
        self.blockMissingLicense = blockMissingLicense
        self.coolingOffDays = coolingOffDays
        self.excludeBefore = excludeBefore
        self.subdirs = subdirs
    }

    /// Splits a textarea into its non-empty, trimmed lines.
    public static func lines(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    public static let maxRules = 1_000
    /// Longest MatchSpec accepted (conda's longest real specs are well under 200 characters).
    public static let maxSpecLength = 500
    public static let maxLicensePatterns = 200
    public static let maxSubdirs = 64

    public struct Valid: Sendable, Equatable {
        public let name: String
        public let description: String
        public let rules: PolicyRules
    }

    public func validate() -> Result<Valid, ValidationErrors> {
        var errors = ValidationErrors()
        let name = name.trimmingCharacters(in: .whitespaces)
        if let message = NameRules.checkSlug(name, what: "policy") { errors.add("name", message) }
        let description = description.trimmingCharacters(in: .whitespacesAndNewlines)
        if description.count > 2_000 { errors.add("description", "At most 2,000 characters.") }
        let allow = allow.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let block = block.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for (field, specs) in [("allow", allow), ("block", block)] {
            if specs.count > Self.maxRules {
                errors.add(field, "At most \(Self.maxRules) rules.")
                continue
            }
            for (index, spec) in specs.enumerated() {
                if spec.count > Self.maxSpecLength {
                    errors.add(field, "Line \(index + 1) is longer than \(Self.maxSpecLength) characters.")
                    break
                }
                do {
                    _ = try MatchSpec(spec)
                } catch {
                    errors.add(field, "Line \(index + 1) (“\(spec.prefix(80))”): \(error.message)")
                    break
                }
            }
        }
        var licenses: [String] = []
        var seenLicenses = Set<String>()
        if licenseBlock.count > Self.maxLicensePatterns { errors.add("license_block", "At most \(Self.maxLicensePatterns) licence patterns.") }
        for pattern in licenseBlock.prefix(Self.maxLicensePatterns).map({ $0.trimmingCharacters(in: .whitespaces) }) where !pattern.isEmpty {
            if pattern.count > 100 || pattern.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                errors.add("license_block", "“\(pattern.prefix(40))” is not a licence name or pattern.")
            } else if seenLicenses.insert(pattern).inserted {
                licenses.append(pattern)
            }
        }
        var days: Int?
        let daysText = coolingOffDays.trimmingCharacters(in: .whitespaces)
        if !daysText.isEmpty {
            if let value = Int(daysText), (0...3650).contains(value) {
                days = value == 0 ? nil : value
            } else {
                errors.add("cooling_off_days", "Give a whole number of days from 1 to 3650, or leave it empty (0 also means none).")
            }
        }
        var before: String?
        let beforeText = excludeBefore.trimmingCharacters(in: .whitespaces)
        if !beforeText.isEmpty {
            if CivilTime.unixDay(beforeText) != nil {
                before = beforeText
            } else {
                errors.add("exclude_before", "Give a date as YYYY-MM-DD, or leave it empty.")
            }
        }
        var subdirs: [String] = []
        if self.subdirs.count > Self.maxSubdirs { errors.add("subdirs", "At most \(Self.maxSubdirs) subdirs.") }
        for subdir in self.subdirs.prefix(Self.maxSubdirs).map({ $0.trimmingCharacters(in: .whitespaces) }) where !subdir.isEmpty {
            guard CondaFilename.isSubdir(subdir) else {
                errors.add("subdirs", "“\(subdir.prefix(40))” is not a conda subdir name like linux-64 or noarch.")
                continue
            }
            if !subdirs.contains(subdir) { subdirs.append(subdir) }
        }
        guard errors.isEmpty else { return .failure(errors) }
        return .success(Valid(name: name, description: description, rules: PolicyRules(
            allow: allow, block: block, includeDependencies: includeDependencies, licenseBlock: licenses,
            blockMissingLicense: blockMissingLicense, coolingOffDays: days, excludeBefore: before, subdirs: subdirs)))
    }
}
