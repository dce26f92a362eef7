import Foundation

/// The licence families an R mirror can exclude. The raw value is the key stored and accepted by the API
/// (R's own short name where it has one); `label` is what a form shows.
public enum RLicenseFamily: String, Sendable, Hashable, CaseIterable, Codable {
    case gpl2 = "GPL-2"
    case gpl3 = "GPL-3"
    /// LGPL-2, LGPL-2.1 and LGPL-3.
    case lgpl = "LGPL"
    case agpl3 = "AGPL-3"
    case artistic2 = "Artistic-2.0"
    /// R's `BSD_2_clause` template, and the database's "FreeBSD License" (the same text).
    case bsd2Clause = "BSD_2_clause"
    /// R's `BSD_3_clause` template, and the database's "Modified BSD License" (`BSD`, the same text).
    case bsd3Clause = "BSD_3_clause"
    case mit = "MIT"
    case apache2 = "Apache License 2.0"
    case ccBy4 = "CC BY 4.0"
    /// CC BY-NC 4.0, CC BY-NC-SA 4.0 and CC BY-NC-ND 4.0.
    case ccByNC = "CC BY-NC"
    /// An alternative that is only `file LICENSE` (or `file LICENCE`), a licence of the package's own.
    case fileLicense = "file LICENSE"
    /// `License_is_FOSS: no`, a licence R's database marks as not FOSS (Artistic-1.0, CC BY-NC*, ACM), or a
    /// licence R does not know.
    case nonFOSS = "non-FOSS"
    /// `License_restricts_use: yes`, or a licence R's database marks as restricting use (CC BY-NC*, ACM).
    case restrictsUse = "restricts use"

    public var label: String {
        switch self {
        case .lgpl: "LGPL (2, 2.1 or 3)"
        case .ccByNC: "CC BY-NC (any CC BY-NC*)"
        case .fileLicense: "“file LICENSE” only"
        case .nonFOSS: "Not FOSS (License_is_FOSS: no, or an unknown licence)"
        case .restrictsUse: "Restricts use (License_restricts_use: yes)"
        default: rawValue
        }
    }

    /// A family from its key, ignoring case and surrounding whitespace; also accepts the case name
    /// (`gpl3`, `ccByNC`, `nonFOSS`).
    public init?(key: String) {
        let wanted = key.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == wanted || "\($0)".lowercased() == wanted }) else {
            return nil
        }
        self = match
    }
}

/// R package `License` fields read the way R's `tools:::analyze_license` reads them ("Writing R Extensions",
/// section Licensing), and sorted into `RLicenseFamily`s for a mirror's licence filter.
///
/// - Alternatives are separated by `|`; empty alternatives are ignored. Whitespace runs (including the
///   newlines of a folded PACKAGES line) count as one space; spaces around `+` do not matter.
/// - An alternative is `file LICENSE` / `file LICENCE`, or a licence optionally followed by `+ file LICENSE`
///   (`MIT + file LICENSE`; the file adds terms and does not change the family).
/// - A licence is a short name from R's licence database (`GPL-2`, `LGPL-2.1`, `Artistic-2.0`, …), a name
///   or abbreviation from it (`GPL`, `GNU General Public License`, `MIT License`, `CC BY 4.0`, `CC0`,
///   `Unlimited`), an abbreviation with `-version` (`MPL-2.0`), a name with a version (`Apache License 2.0`,
///   `Mozilla Public License version 2.0`), or a name or abbreviation with version constraints
///   (`GPL (>= 2)`, `LGPL (>= 2.0, < 3)`, `Apache License (== 2.0)`). Without a version it means every
///   version the database has (`GPL` → GPL-2, GPL-3; `LGPL` → LGPL-2, 2.1, 3), and constraints keep the
///   versions that satisfy them (`GPL (>= 2)` → GPL-2, GPL-3; `GPL (> 2)` → GPL-3), as R expands them.
///   `Part of R …` counts as FOSS.
/// - Names are case-sensitive, as in R (`gpl-2` is not a licence R knows).
///
/// Families of one alternative: the family of each licence it expands to; plus `nonFOSS` when one of them is
/// not FOSS in R's database, `restrictsUse` when one restricts use; `fileLicense` for `file LICENSE` alone;
/// `nonFOSS` alone for anything R does not know (and for a range no known version satisfies, `GPL (>= 4)`).
/// FOSS licences outside the fixed list (CC0, MPL, EUPL, `Unlimited`, …) give no family. The package's own
/// `License_is_FOSS` and `License_restricts_use` fields win over the database, as in R's
/// `available.packages` filters: `no`/`yes` add `nonFOSS`/`restrictsUse` to every alternative, `yes`/`no`
/// remove them.
///
/// Like R (which calls a component FOSS only when every version it expands to is), an alternative is
/// excluded as soon as one of its families is excluded: `GPL (>= 2)` is excluded by excluding GPL-3 alone.
/// A package is excluded when every alternative is.
///
/// Less strict than R, on purpose: historic spellings R rewrites (`GPL 2`, `GPL version 2`) are read when they
/// have the `name version` shape. `tools::write_PACKAGES` already rewrites them, or drops a `License` R cannot
/// standardise, so a real repository index seldom has them.
public enum RLicense {
    /// One alternative of a `License` field.
    public struct Component: Sendable, Equatable {
        /// The alternative with whitespace normalised.
        public let text: String
        /// What R's database expands it to, in R's spelling (`GPL-2`, `Apache License version 2.0`, `CC BY 4.0`,
        /// `Unlimited`, `Part of R`); nil when it is not a licence R knows or only `file LICENSE`.
        public let licences: [String]?
        /// `LICENSE` or `LICENCE` when the alternative is or ends with a pointer to that file.
        public let file: String?
        /// The families before the package-level `License_is_FOSS` / `License_restricts_use` fields.
        public let families: [RLicenseFamily]
    }

    public static func components(_ license: String) -> [Component] {
        let normalized = normalize(license)
        return normalized.split(separator: "|").compactMap { part in
            let text = part.trimmingCharacters(in: .whitespaces)
            return text.isEmpty ? nil : component(text)
        }
    }

    /// The families of each alternative, with the package-level fields applied; at least one alternative
    /// (an empty `License` is one unknown alternative).
    public static func families(license: String, isFOSS: String?, restrictsUse: String?) -> [[RLicenseFamily]] {
        var alternatives = components(license).map(\.families)
        if alternatives.isEmpty { alternatives = [[.nonFOSS]] }
        let foss = flag(isFOSS), restricts = flag(restrictsUse)
        return alternatives.map { families in
            var set = Set(families)
            if let foss { if foss { set.remove(.nonFOSS) } else { set.insert(.nonFOSS) } }
            if let restricts { if restricts { set.insert(.restrictsUse) } else { set.remove(.restrictsUse) } }
            return RLicenseFamily.allCases.filter(set.contains)
        }
    }

    /// Whether a mirror that excludes these families drops the package: true when every alternative contains
    /// an excluded family. Nothing is excluded by an empty set.
    public static func isExcluded(license: String, isFOSS: String?, restrictsUse: String?, excluded: Set<RLicenseFamily>) -> Bool {
        exclusion(license: license, isFOSS: isFOSS, restrictsUse: restrictsUse, excluded: excluded) != nil
    }

    /// The excluded families that removed the package (for a "filtered by licence" reason), or nil when it is kept.
    public static func exclusion(license: String, isFOSS: String?, restrictsUse: String?, excluded: Set<RLicenseFamily>) -> [RLicenseFamily]? {
        guard !excluded.isEmpty else { return nil }
        let alternatives = families(license: license, isFOSS: isFOSS, restrictsUse: restrictsUse)
        var hit = Set<RLicenseFamily>()
        for families in alternatives {
            let matched = families.filter(excluded.contains)
            if matched.isEmpty { return nil }
            hit.formUnion(matched)
        }
        return RLicenseFamily.allCases.filter(hit.contains)
    }

    // MARK: - Parsing

    /// `yes` → true, `no` → false (any case, trimmed), anything else → nil.
    private static func flag(_ value: String?) -> Bool? {
        switch value?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() {
        case "yes": true
        case "no": false
        default: nil
        }
    }

    /// Collapses whitespace runs to one space and writes every `+` as ` + `.
    static func normalize(_ text: String) -> String {
        var out = ""
        var pendingSpace = false
        for character in text {
            if character.isWhitespace {
                pendingSpace = true
            } else if character == "+" {
                out += " + "
                pendingSpace = false
            } else {
                if pendingSpace, !out.isEmpty, out.last != " " { out += " " }
                pendingSpace = false
                out.append(character)
            }
        }
        return out
    }

    private static let unknown: [RLicenseFamily] = [.nonFOSS]

    private static func component(_ text: String) -> Component {
        if let file = filePointer(text) {
            return Component(text: text, licences: nil, file: file, families: [.fileLicense])
        }
        var base = text
        var file: String?
        for name in ["LICENSE", "LICENCE"] where base.hasSuffix(" + file \(name)") {
            base = String(base.dropLast(" + file \(name)".count)).trimmingCharacters(in: .whitespaces)
            file = name
        }
        guard !base.contains("+"), let licences = licences(base) else {
            return Component(text: text, licences: nil, file: file, families: unknown)
        }
        let labels: [String]
        var families = Set<RLicenseFamily>()
        switch licences {
        case .special(let label):
            labels = [label]
        case .entries(let entries):
            labels = entries.map(\.label)
            if entries.isEmpty { families = Set(unknown) }
            for entry in entries {
                if let family = entry.family { families.insert(family) }
                if entry.isFOSS == false { families.insert(.nonFOSS) }
                if entry.restrictsUse == true { families.insert(.restrictsUse) }
            }
        }
        return Component(text: text, licences: labels, file: file, families: RLicenseFamily.allCases.filter(families.contains))
    }

    private static func filePointer(_ text: String) -> String? {
        switch text {
        case "file LICENSE": "LICENSE"
        case "file LICENCE": "LICENCE"
        default: nil
        }
    }

    private enum Licences {
        case special(String)
        case entries([Entry])
    }

    /// What a licence (without `+ file …`) expands to, or nil when R would not know it.
    private static func licences(_ base: String) -> Licences? {
        if base == "Unlimited" { return .special("Unlimited") }
        if base.hasPrefix("Part of R") { return .special("Part of R") }
        if let entry = database.first(where: { $0.shortName == base }) { return .entries([entry]) }
        let named = database.filter { $0.name == base || $0.abbreviation == base }
        if !named.isEmpty { return .entries(named) }
        // Name or abbreviation with version constraints: `GPL (>= 2)`, `LGPL(>= 2.0, < 3)`.
        if let open = base.firstIndex(of: "("), base.hasSuffix(")") {
            let head = base[..<open].trimmingCharacters(in: .whitespaces)
            let inner = base[base.index(after: open)..<base.index(before: base.endIndex)]
            guard let constraints = constraints(String(inner)) else { return nil }
            let versioned = database.filter { ($0.name == head || $0.abbreviation == head) && $0.version != nil }
            guard !versioned.isEmpty else { return nil }
            return .entries(versioned.filter { entry in
                guard let version = RPackageVersion(entry.version!, minimumComponents: 1) else { return false }
                return constraints.allSatisfy { $0.isSatisfied(by: version) }
            })
        }
        // Abbreviation-version: `MPL-2.0`, `EPL-1.0` (the version as the database writes it).
        if let dash = base.lastIndex(of: "-") {
            let head = String(base[..<dash]), version = String(base[base.index(after: dash)...])
            if let entry = database.first(where: { $0.abbreviation == head && $0.version == version }) {
                return .entries([entry])
            }
        }
        // Name version: `Apache License 2.0`, `Mozilla Public License version 2.0`.
        if let space = base.lastIndex(of: " ") {
            var head = String(base[..<space])
            let versionText = String(base[base.index(after: space)...])
            guard let version = RPackageVersion(versionText, minimumComponents: 1) else { return nil }
            for word in [" version", " Version"] where head.hasSuffix(word) { head = String(head.dropLast(word.count)) }
            let matches = database.filter { entry in
                guard entry.name == head || entry.abbreviation == head, let entryVersion = entry.version else { return false }
                return RPackageVersion(entryVersion, minimumComponents: 1) == version
            }
            if !matches.isEmpty { return .entries(matches) }
        }
        return nil
    }

    private struct Constraint {
        let op: String
        let version: RPackageVersion

        func isSatisfied(by candidate: RPackageVersion) -> Bool {
            switch op {
            case ">=": candidate >= version
            case ">": candidate > version
            case "<=": candidate <= version
            case "<": candidate < version
            case "==": candidate == version
            default: candidate != version  // "!="
            }
        }
    }

    /// `>= 2`, `>= 2.0, < 3`: comparison operators as in `Depends`, each followed by a numeric version.
    private static func constraints(_ text: String) -> [Constraint]? {
        var result: [Constraint] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = part.trimmingCharacters(in: .whitespaces)
            guard let op = [">=", "<=", "==", "!=", ">", "<"].first(where: { item.hasPrefix($0) }) else { return nil }
            let rest = item.dropFirst(op.count).trimmingCharacters(in: .whitespaces)
            guard let version = RPackageVersion(rest, minimumComponents: 1) else { return nil }
            result.append(Constraint(op: op, version: version))
        }
        return result.isEmpty ? nil : result
    }

    // MARK: - R's licence database

    /// One licence of R's `share/licenses/license.db` (R 4.2), with the family Depot files it under.
    struct Entry: Sendable {
        let name: String
        let abbreviation: String?
        let version: String?
        /// R's "SSS" short spec (`GPL-2`).
        let shortName: String?
        let isFOSS: Bool?
        let restrictsUse: Bool?
        let family: RLicenseFamily?

        /// The spelling R's `analyze_license` uses in its expansions.
        var label: String {
            if let shortName { return shortName }
            let base = abbreviation ?? name
            return version.map { "\(base) version \($0)" } ?? base
        }
    }

    static let database: [Entry] = [
        Entry(name: "GNU General Public License", abbreviation: "GPL", version: "2", shortName: "GPL-2", isFOSS: true, restrictsUse: nil, family: .gpl2),
        Entry(name: "GNU General Public License", abbreviation: "GPL", version: "3", shortName: "GPL-3", isFOSS: true, restrictsUse: nil, family: .gpl3),
        Entry(name: "GNU Library General Public License", abbreviation: "LGPL", version: "2", shortName: "LGPL-2", isFOSS: true, restrictsUse: nil, family: .lgpl),
        Entry(name: "GNU Lesser General Public License", abbreviation: "LGPL", version: "2.1", shortName: "LGPL-2.1", isFOSS: true, restrictsUse: nil, family: .lgpl),
        Entry(name: "GNU Lesser General Public License", abbreviation: "LGPL", version: "3", shortName: "LGPL-3", isFOSS: true, restrictsUse: nil, family: .lgpl),
        Entry(name: "GNU Affero General Public License", abbreviation: "AGPL", version: "3", shortName: "AGPL-3", isFOSS: true, restrictsUse: nil, family: .agpl3),
        Entry(name: "Apache License", abbreviation: nil, version: "1.1", shortName: nil, isFOSS: true, restrictsUse: nil, family: nil),
        Entry(name: "Apache License", abbreviation: nil, version: "2.0", shortName: nil, isFOSS: true, restrictsUse: nil, family: .apache2),
        Entry(name: "Artistic License", abbreviation: nil, version: "1.0", shortName: "Artistic-1.0", isFOSS: false, restrictsUse: false, family: nil),
        Entry(name: "Artistic License", abbreviation: nil, version: "2.0", shortName: "Artistic-2.0", isFOSS: true, restrictsUse: nil, family: .artistic2),
        Entry(name: "CeCILL", abbreviation: "CeCILL", version: "2", shortName: nil, isFOSS: true, restrictsUse: nil, family: nil),
        Entry(name: "FreeBSD License", abbreviation: "FreeBSD", version: nil, shortName: nil, isFOSS: true, restrictsUse: nil, family: .bsd2Clause),
        Entry(name: "MIT License", abbreviation: "MIT", version: nil, shortName: nil, isFOSS: true, restrictsUse: nil, family: .mit),
        Entry(name: "Modified BSD License", abbreviation: "BSD", version: nil, shortName: nil, isFOSS: true, restrictsUse: nil, family: .bsd3Clause),
        Entry(name: "BSD 2-clause License", abbreviation: "BSD_2_clause", version: nil, shortName: nil, isFOSS: true, restrictsUse: nil, family: .bsd2Clause),
        Entry(name: "BSD 3-clause License", abbreviation: "BSD_3_clause", version: nil, shortName: nil, isFOSS: true, restrictsUse: nil, family: .bsd3Clause),
        Entry(name: "Mozilla Public License", abbreviation: "MPL", version: "1.0", shortName: nil, isFOSS: true, restrictsUse: nil, family: nil),
        Entry(name: "Mozilla Public License", abbreviation: "MPL", version: "1.1", shortName: nil, isFOSS: true, restrictsUse: nil, family: nil),
        Entry(name: "Mozilla Public License", abbreviation: "MPL", version: "2.0", shortName: nil, isFOSS: true, restrictsUse: nil, family: nil),
        Entry(name: "Common Public License", abbreviation: "CPL", version: "1.0", shortName: nil, isFOSS: true, restrictsUse: nil, family: nil),
        Entry(name: "Eclipse Public License", abbreviation: "EPL", version: "1.0", shortName: nil, isFOSS: true, restrictsUse: nil, family: nil),
        Entry(name: "Lucent Public License", abbreviation: nil, version: "1.02", shortName: nil, isFOSS: true, restrictsUse: nil, family: nil),
        Entry(name: "European Union Public License", abbreviation: "EUPL", version: "1.1", shortName: nil, isFOSS: true, restrictsUse: nil, family: nil),
        Entry(name: "Creative Commons Attribution 4.0 International License", abbreviation: "CC BY 4.0", version: nil, shortName: nil, isFOSS: true, restrictsUse: nil, family: .ccBy4),
        Entry(name: "Creative Commons Attribution-ShareAlike 4.0 International License", abbreviation: "CC BY-SA 4.0", version: nil, shortName: nil, isFOSS: true, restrictsUse: nil, family: nil),
        Entry(name: "Creative Commons Attribution-NonCommercial 4.0 International License", abbreviation: "CC BY-NC 4.0", version: nil, shortName: nil, isFOSS: false, restrictsUse: true, family: .ccByNC),
        Entry(name: "Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International License", abbreviation: "CC BY-NC-SA 4.0", version: nil, shortName: nil, isFOSS: false, restrictsUse: true, family: .ccByNC),
        Entry(name: "Creative Commons Attribution-NonCommercial-NoDerivs 4.0 International License", abbreviation: "CC BY-NC-ND 4.0", version: nil, shortName: nil, isFOSS: false, restrictsUse: true, family: .ccByNC),
        Entry(name: "CC0", abbreviation: nil, version: nil, shortName: nil, isFOSS: true, restrictsUse: nil, family: nil),
        Entry(name: "zlib License", abbreviation: "Zlib", version: nil, shortName: nil, isFOSS: true, restrictsUse: nil, family: nil),
        Entry(name: "Boost Software License", abbreviation: "BSL", version: "1.0", shortName: nil, isFOSS: true, restrictsUse: nil, family: nil),
        Entry(name: "ACM Software License Agreement", abbreviation: "ACM", version: "1998", shortName: nil, isFOSS: false, restrictsUse: true, family: nil),
    ]
}
