/// What a user submits to create a mirror, from the form or the API; `validate` checks every field at once.
public struct MirrorInput: Sendable, Equatable {
    public var name: String
    public var type: String
    public var mode: String
    public var sourceURL: String
    public var subdirs: [String]
    public var cron: String
    public var runNow: Bool
    /// Python and R: names to leave out and exceptions, one per line or comma-separated, `*`/`?` wildcards.
    public var exclude: String = ""
    public var include: String = ""
    /// R: licence families to leave out (names from `licenceFamilies`).
    public var licenseExclude: [String] = []

    /// The licence families the R form offers, as R's licence database groups them.
    public static let licenceFamilies = RLicenseFamily.allCases.map(\.rawValue)

    public static let defaultCron = "0 0 1 * *"
    public static let offeredSubdirs = ["noarch", "linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64"]

    public init(name: String, type: String, mode: String, sourceURL: String, subdirs: [String], cron: String, runNow: Bool) {
        self.name = name
        self.type = type
        self.mode = mode
        self.sourceURL = sourceURL
        self.subdirs = subdirs
        self.cron = cron
        self.runNow = runNow
    }

    public struct Valid: Sendable {
        public let name: String
        public let type: MirrorType
        public let mode: MirrorMode
        public let source: SourceURL
        public let subdirs: [String]
        public let cron: String
        public let exclude: String
        public let include: String
        public let licenseExclude: [String]
    }

    public func validate() -> Result<Valid, ValidationErrors> {
        var errors = ValidationErrors()
        let name = name.trimmingCharacters(in: .whitespaces)
        if let message = NameRules.checkSlug(name, what: "mirror") { errors.add("name", message) }
        let type = MirrorType(rawValue: type)
        if type == nil {
            errors.add("type", "Choose Conda, Std Python or Std R.")
        }
        let mode = MirrorMode(rawValue: mode)
        if mode == nil { errors.add("mode", "Choose Active or Passive.") }
        var source: SourceURL?
        do {
            source = try SourceURL(validating: sourceURL)
        } catch {
            errors.add("source_url", error.message)
        }
        var subdirs: [String] = []
        for subdir in self.subdirs.map({ $0.trimmingCharacters(in: .whitespaces) }) where !subdir.isEmpty {
            guard CondaFilename.isSubdir(subdir) else {
                errors.add("subdirs", "“\(subdir.prefix(40))” is not a conda subdir name like linux-64 or noarch.")
                continue
            }
            if !subdirs.contains(subdir) { subdirs.append(subdir) }
        }
        if type == .conda && subdirs.isEmpty && errors["subdirs"] == nil { errors.add("subdirs", "Choose at least one subdir to mirror.") }
        if type == .python || type == .r { subdirs = [] }
        for family in licenseExclude where !Self.licenceFamilies.contains(family) {
            errors.add("license_exclude", "“\(family.prefix(40))” is not one of the listed licence families.")
        }
        for (field, text) in [("exclude", exclude), ("include", include)] {
            if text.count > 20_000 { errors.add(field, "At most 20,000 characters.") }
            let bad = text.unicodeScalars.first { !($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.*?, \n\r\t".unicodeScalars.contains($0)) }
            if let bad { errors.add(field, "Names and patterns use letters, digits, “-”, “_”, “.”, “*” and “?”; “\(Character(bad))” is not allowed.") }
        }
        let cron = cron.trimmingCharacters(in: .whitespaces).isEmpty ? Self.defaultCron : cron.trimmingCharacters(in: .whitespaces)
        if let message = Self.checkCron(cron) { errors.add("cron", message) }
        guard errors.isEmpty, let type, let mode, let source else { return .failure(errors) }
        return .success(Valid(
            name: name, type: type, mode: mode, source: source, subdirs: subdirs, cron: cron,
            exclude: exclude.trimmingCharacters(in: .whitespacesAndNewlines), include: include.trimmingCharacters(in: .whitespacesAndNewlines),
            licenseExclude: type == .r ? licenseExclude : []))
    }

    /// Nil when `cron` is a valid schedule, else a message that names the wrong field.
    public static func checkCron(_ cron: String) -> String? {
        do {
            let expression = try CronExpression(cron)
            if expression.next(after: 0) == nil { return "This schedule never runs (no such date)." }
            return nil
        } catch {
            return error.message
        }
    }
}
