import Foundation

/// For each allow rule of a policy: the packages it matched, every package brought in as a direct or
/// indirect dependency (with the package that required it and the spec), and the specs nothing satisfied.
public struct DependencyReport: Sendable, Equatable, Codable {
    public struct Rule: Sendable, Equatable, Codable {
        public var spec: String
        /// `subdir/filename` of each package the rule matched.
        public var matched: [String]
        public var dependencies: [Dependency]
        public var unresolved: [Unresolved]
    }

    public struct Dependency: Sendable, Equatable, Codable {
        /// `subdir/filename` of the package brought in.
        public var package: String
        public var name: String
        public var version: String
        /// `subdir/filename` of the package whose `depends` entry brought it in (the first one found).
        public var requiredBy: String
        public var spec: String
        /// True when `requiredBy` is one of the rule's own matches.
        public var direct: Bool

        enum CodingKeys: String, CodingKey {
            case package, name, version, spec, direct
            case requiredBy = "required_by"
        }
    }

    public struct Unresolved: Sendable, Equatable, Codable {
        public var requiredBy: String
        public var spec: String
        public var reason: String

        enum CodingKeys: String, CodingKey {
            case spec, reason
            case requiredBy = "required_by"
        }
    }

    public var rules: [Rule]
    /// True when the report reached its size limit and later dependency rows are not listed.
    public var truncated: Bool

    public init(rules: [Rule], truncated: Bool = false) {
        self.rules = rules
        self.truncated = truncated
    }

    /// One row per matched package, dependency and unresolved spec:
    /// `rule,kind,package,name,version,required_by,spec,detail`, RFC 4180 quoting.
    public func csv() -> String {
        var out = "rule,kind,package,name,version,required_by,dependency_spec,detail\r\n"
        func row(_ fields: [String]) {
            out += fields.map(Self.quote).joined(separator: ",") + "\r\n"
        }
        for rule in rules {
            for package in rule.matched { row([rule.spec, "matched", package, "", "", "", "", ""]) }
            for dependency in rule.dependencies {
                row([rule.spec, dependency.direct ? "direct" : "indirect", dependency.package, dependency.name, dependency.version,
                     dependency.requiredBy, dependency.spec, ""])
            }
            for unresolved in rule.unresolved {
                row([rule.spec, "unresolved", "", "", "", unresolved.requiredBy, unresolved.spec, unresolved.reason])
            }
        }
        if truncated {
            row(["", "truncated", "", "", "", "", "", "the report reached its limit of 250,000 dependency rows; later rows are not listed"])
        }
        return out
    }

    /// Quotes a field when it holds a comma, quote or line break; a leading `=`, `+`, `-` or `@` is
    /// prefixed with `'` so a spreadsheet does not run it as a formula.
    static func quote(_ field: String) -> String {
        var field = field
        if let first = field.first, "=+-@\t\r".contains(first) { field = "'" + field }
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
