/// A list of project-name patterns for a mirror's exclude or include field: `numpy`, `p*`, `django-?`.
///
/// Patterns are PEP 503-normalised (so `Py_Test*` and `py-test*` are the same pattern) except that the
/// wildcards `*` (any run of characters, also none) and `?` (exactly one character) are kept. A pattern
/// matches a whole normalised name. Matching never backtracks exponentially: it is linear in
/// name × pattern length, whatever a user types.
public struct NamePatterns: Sendable, Equatable {
    /// Normalised patterns in the order given, without duplicates.
    public let patterns: [String]

    /// Patterns separated by newlines, commas or whitespace; blank entries are ignored. A token with a
    /// character that can never be part of a project name or wildcard (see `invalidTokens(in:)`) is
    /// left out.
    public init(text: String) {
        self.init(Self.tokens(in: text))
    }

    /// Patterns given one per element (as in a JSON array); each element may itself hold several.
    public init(_ patterns: some Sequence<String>) {
        var seen = Set<String>()
        var kept: [String] = []
        for token in patterns.flatMap(Self.tokens(in:)) where Self.isPatternToken(token) {
            let pattern = Self.normalizePattern(token)
            if seen.insert(pattern).inserted { kept.append(pattern) }
        }
        self.patterns = kept
    }

    public var isEmpty: Bool { patterns.isEmpty }

    /// The patterns one per line, for storing; `NamePatterns(text: p.text) == p`.
    public var text: String { patterns.joined(separator: "\n") }

    /// The first pattern that matches the (normalised) name, or nil.
    public func matches(_ name: String) -> String? {
        let normalized = Array(ProjectName.normalize(name).unicodeScalars)
        return patterns.first { Self.wildcardMatch(pattern: Array($0.unicodeScalars), name: normalized) }
    }

    /// Whether a project is mirrored: kept unless an exclude pattern matches and no include pattern
    /// matches (include wins). `pattern` is the exclude pattern that removed it.
    public static func decide(name: String, exclude: NamePatterns, include: NamePatterns) -> (kept: Bool, pattern: String?) {
        guard let excludedBy = exclude.matches(name) else { return (true, nil) }
        if include.matches(name) != nil { return (true, nil) }
        return (false, excludedBy)
    }

    /// Tokens of the text that are not patterns (they contain characters other than ASCII letters,
    /// digits, `-`, `_`, `.`, `*`, `?`), for a form to point out; `init(text:)` leaves them out.
    public static func invalidTokens(in text: String) -> [String] {
        tokens(in: text).filter { !isPatternToken($0) }
    }

    // MARK: - Private

    private static func tokens(in text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
    }

    private static func isPatternToken(_ token: String) -> Bool {
        !token.isEmpty && token.utf8.count <= 200 && token.utf8.allSatisfy { byte in
            PyByte.isAlphanumeric(byte) || byte == 0x2d || byte == 0x5f || byte == 0x2e || byte == 0x2a || byte == 0x3f
        }
    }

    /// PEP 503 normalisation; `*` and `?` are not separators, so they survive it unchanged.
    private static func normalizePattern(_ token: String) -> String {
        ProjectName.normalize(token)
    }

    /// `*` matches any run (also empty), `?` exactly one character; the whole name must match.
    /// Greedy with a single backtrack point: O(pattern × name).
    static func wildcardMatch(pattern: [Unicode.Scalar], name: [Unicode.Scalar]) -> Bool {
        var p = 0, n = 0
        var starAt: Int?
        var starMatchedUpTo = 0
        while n < name.count {
            if p < pattern.count, pattern[p] == "*" {
                starAt = p
                starMatchedUpTo = n
                p += 1
            } else if p < pattern.count, pattern[p] == "?" || pattern[p] == name[n] {
                p += 1
                n += 1
            } else if let star = starAt {
                p = star + 1
                starMatchedUpTo += 1
                n = starMatchedUpTo
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
