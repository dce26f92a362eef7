/// Why one `PACKAGES` entry cannot be used.
public enum RPackageRecordError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingField(String)
    case invalidName(String)
    case invalidVersion(String)
    case invalidMD5(String)
    /// A `File` or `Path` value that is absolute, has a `..` or `.` component, or characters outside
    /// `A-Z a-z 0-9 . _ - + ~` (and `/` between components of `Path`).
    case unsafePath(field: String, value: String)

    public var description: String {
        switch self {
        case .missingField(let field): "the record has no \(field) field"
        case .invalidName(let name): "“\(Self.clip(name))” is not a valid R package name (ASCII letters, digits and dots, at least two characters, starting with a letter and not ending in a dot)"
        case .invalidVersion(let version): "“\(Self.clip(version))” is not a valid R package version (at least two non-negative integers separated by “.” or “-”)"
        case .invalidMD5(let value): "MD5sum “\(Self.clip(value))” is not 32 hexadecimal digits"
        case .unsafePath(let field, let value): "\(field) “\(Self.clip(value))” is not a safe relative path"
        }
    }

    private static func clip(_ text: String) -> String {
        text.count > 80 ? String(text.prefix(80)) + "…" : text
    }
}

/// One entry of a CRAN-like repository's `src/contrib/PACKAGES`: its fields in upstream order and the
/// values Depot relies on, validated.
///
/// - `Package` must match R's `valid_package_name` (ASCII `[A-Za-z][A-Za-z0-9.]*[A-Za-z0-9]`), as "Writing R
///   Extensions" requires: letters, digits and dots, at least two characters, starts with a letter, does not
///   end in a dot.
/// - `Version` must match R's `valid_package_version`: two or more non-negative integers separated by `.` or `-`.
/// - `MD5sum`, when present, is 32 hex digits (kept lowercased).
/// - `File` (a file name, set by `write_PACKAGES(addFiles = TRUE)`) and `Path` (a subdirectory of
///   `src/contrib`, set when `subdirs` are used) must be safe relative paths: no absolute path, no `.`/`..`
///   or empty component, and only `A-Z a-z 0-9 . _ - + ~` (plus `/` between the components of `Path`).
public struct RPackageRecord: Sendable, Equatable {
    public let name: String
    public let version: RPackageVersion
    /// Every field, in upstream order (including `Package` and `Version`).
    public let fields: [(name: String, value: String)]
    /// Lowercase hex, when upstream gave one.
    public let md5sum: String?

    public init(fields: [(String, String)]) throws(RPackageRecordError) {
        func value(_ name: String) -> String? { fields.first(where: { $0.0 == name })?.1 }
        guard let name = value("Package") else { throw .missingField("Package") }
        guard Self.isValidName(name) else { throw .invalidName(name) }
        guard let versionText = value("Version") else { throw .missingField("Version") }
        guard let version = RPackageVersion(versionText) else { throw .invalidVersion(versionText) }
        var md5: String?
        if let raw = value("MD5sum") {
            guard raw.utf8.count == 32, raw.utf8.allSatisfy(RByte.isHexDigit) else { throw .invalidMD5(raw) }
            md5 = raw.lowercased()
        }
        if let file = value("File"), !Self.isSafeRelativePath(file, allowSlash: false) {
            throw .unsafePath(field: "File", value: file)
        }
        if let path = value("Path"), !Self.isSafeRelativePath(path, allowSlash: true) {
            throw .unsafePath(field: "Path", value: path)
        }
        self.name = name
        self.version = version
        self.fields = fields.map { (name: $0.0, value: $0.1) }
        self.md5sum = md5
    }

    public subscript(field: String) -> String? {
        fields.first(where: { $0.name == field })?.value
    }

    public var license: String? { self["License"] }
    public var licenseIsFOSS: String? { self["License_is_FOSS"] }
    public var licenseRestrictsUse: String? { self["License_restricts_use"] }
    public var file: String? { self["File"] }
    public var path: String? { self["Path"] }

    /// The file name R's `available.packages` downloads for a source package: `File` when given, else
    /// `<Package>_<Version>.tar.gz`.
    public var tarballName: String { file ?? "\(name)_\(version.text).tar.gz" }

    /// Where the tarball is below `src/contrib/`: `<Path>/<tarballName>` or just `tarballName`.
    public var relativePath: String { path.map { "\($0)/\(tarballName)" } ?? tarballName }

    /// The licence families of each alternative of the `License` field (see `RLicense.families`).
    public var licenseFamilies: [[RLicenseFamily]] {
        RLicense.families(license: license ?? "", isFOSS: licenseIsFOSS, restrictsUse: licenseRestrictsUse)
    }

    /// The fields as a dictionary, for `RDS.packagesMatrix`.
    public var fieldDictionary: [String: String] {
        Dictionary(fields.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.fields.map(\.name) == rhs.fields.map(\.name) && lhs.fields.map(\.value) == rhs.fields.map(\.value)
    }

    // MARK: - Whole files

    /// An entry of a `PACKAGES` file that could not be used, with the package name when it had a usable one.
    public struct Rejected: Sendable, Equatable {
        public let package: String?
        public let error: RPackageRecordError

        public init(package: String?, error: RPackageRecordError) {
            self.package = package
            self.error = error
        }
    }

    /// Reads a whole `PACKAGES` text. A DCF syntax error fails the whole file (its structure cannot be
    /// trusted); an entry that is well-formed DCF but invalid is returned in `rejected` and the rest is kept.
    public static func parseIndex(_ text: String) throws(DCFError) -> (records: [RPackageRecord], rejected: [Rejected]) {
        var records: [RPackageRecord] = []
        var rejected: [Rejected] = []
        for fields in try DCF.parse(text) {
            do {
                records.append(try RPackageRecord(fields: fields))
            } catch {
                let name = fields.first(where: { $0.0 == "Package" })?.1
                rejected.append(Rejected(package: name.flatMap { isValidName($0) ? $0 : nil }, error: error))
            }
        }
        return (records, rejected)
    }

    /// One record per package name — the highest version, the first one listed among equal versions — in the
    /// order each name first appears (what `write_PACKAGES(latestOnly = TRUE)` keeps).
    public static func latest(_ records: [RPackageRecord]) -> [RPackageRecord] {
        var best: [String: Int] = [:]
        var order: [String] = []
        for (index, record) in records.enumerated() {
            if let current = best[record.name] {
                if records[current].version < record.version { best[record.name] = index }
            } else {
                best[record.name] = index
                order.append(record.name)
            }
        }
        return order.map { records[best[$0]!] }
    }

    // MARK: - Rules

    /// R's `valid_package_name`, ASCII only: `[A-Za-z][A-Za-z0-9.]*[A-Za-z0-9]`.
    public static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count >= 2, let first = bytes.first, let last = bytes.last else { return false }
        guard RByte.isLetter(first), RByte.isLetter(last) || RByte.isDigit(last) else { return false }
        return bytes.allSatisfy { RByte.isLetter($0) || RByte.isDigit($0) || $0 == UInt8(ascii: ".") }
    }

    static func isSafeRelativePath(_ value: String, allowSlash: Bool) -> Bool {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        guard !parts.isEmpty, allowSlash || parts.count == 1 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part != "." && part != ".." && part.utf8.allSatisfy { byte in
                RByte.isLetter(byte) || RByte.isDigit(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "~")
            }
        }
    }
}

/// ASCII byte classes for R's name, version and path rules.
enum RByte {
    static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
    static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
    static func isHexDigit(_ byte: UInt8) -> Bool { isDigit(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte) }
}
