/// The version part of a MatchSpec, read the way conda's `VersionSpec` (conda/models/version.py) reads it and
/// parsed once:
///
/// - `,` (and) binds tighter than `|` (or); parentheses group: `>=1,<2|>3`, `(>=1|<0.5),!=0.3`.
/// - `==1.2` equal (`1.2 == 1.2.0`), `!=`, `<`, `<=`, `>`, `>=`; `=1.2` starts with 1.2 (as does `1.2.*`,
///   `1.2*`); `!=1.2.*` does not start with 1.2; `~=1.2.3` is `>=1.2.3` and starts with `1.2`.
/// - A bare version `1.2` is exact (`==1.2`); `*` is any version; a `*` inside (`1.*.3`) is a glob on the
///   version text; `^…$` is a regular expression on the version text.
/// - `.*` after `==`, `<`, `<=`, `>`, `>=` is ignored, as conda does (with a deprecation warning there).
///
/// Whitespace next to operators, `,`, `|` and parentheses is ignored (`>= 1.2`, `>=1.0 , <2`); whitespace inside
/// a version (`1.0 1.1`) is an error. Versions are checked as conda checks them; a mistake throws a
/// `MatchSpecError` whose position points at it.
public struct VersionSpec: Sendable, Hashable, CustomStringConvertible {
    /// A parsed constraint: a class with constant fields, so that matching borrows them instead of copying
    /// (matching runs millions of times).
    final class Node: Sendable {
        enum Kind: UInt8, Sendable {
            case any, all, either, equal, notEqual, less, lessOrEqual, greater, greaterOrEqual, startsWith,
                notStartsWith, compatible, pattern, text
        }

        let kind: Kind
        /// The version compared with (`.equal` … `.compatible`).
        let version: CondaVersion
        /// For `~=`: the version without its last part, which a match must start with.
        let prefix: CondaVersion
        /// For `.all` and `.either`.
        let children: [Node]
        /// A glob (`1.*.3`) or a regular expression (`^1\.2\..*$`) on the version text.
        let pattern: MatchSpec.Pattern
        /// Conda's exact text match, used when the version contains `@`.
        let text: String

        static let unused = CondaVersion("0")

        init(
            _ kind: Kind, version: CondaVersion = unused, prefix: CondaVersion = unused, children: [Node] = [],
            pattern: MatchSpec.Pattern = .any, text: String = ""
        ) {
            self.kind = kind
            self.version = version
            self.prefix = prefix
            self.children = children
            self.pattern = pattern
            self.text = text
        }

        static let any = Node(.any)
        static func all(_ children: [Node]) -> Node { Node(.all, children: children) }
        static func either(_ children: [Node]) -> Node { Node(.either, children: children) }
        static func equal(_ version: CondaVersion) -> Node { Node(.equal, version: version) }
        static func notEqual(_ version: CondaVersion) -> Node { Node(.notEqual, version: version) }
        static func less(_ version: CondaVersion) -> Node { Node(.less, version: version) }
        static func lessOrEqual(_ version: CondaVersion) -> Node { Node(.lessOrEqual, version: version) }
        static func greater(_ version: CondaVersion) -> Node { Node(.greater, version: version) }
        static func greaterOrEqual(_ version: CondaVersion) -> Node { Node(.greaterOrEqual, version: version) }
        static func startsWith(_ version: CondaVersion) -> Node { Node(.startsWith, version: version) }
        static func notStartsWith(_ version: CondaVersion) -> Node { Node(.notStartsWith, version: version) }
        /// `~=`: at least `version` and starting with `prefix` (the version without its last part).
        static func compatible(_ version: CondaVersion, prefix: CondaVersion) -> Node {
            Node(.compatible, version: version, prefix: prefix)
        }
        static func pattern(_ pattern: MatchSpec.Pattern) -> Node { Node(.pattern, pattern: pattern) }
        static func text(_ text: String) -> Node { Node(.text, text: text) }

        func matches(_ candidate: CondaVersion) -> Bool {
            switch kind {
            case .any: return true
            case .all:
                for index in children.indices where !children[index].matches(candidate) { return false }
                return true
            case .either:
                for index in children.indices where children[index].matches(candidate) { return true }
                return false
            case .equal: return CondaVersion.compare(candidate, version) == 0
            case .notEqual: return CondaVersion.compare(candidate, version) != 0
            case .less: return CondaVersion.compare(candidate, version) < 0
            case .lessOrEqual: return CondaVersion.compare(candidate, version) <= 0
            case .greater: return CondaVersion.compare(candidate, version) > 0
            case .greaterOrEqual: return CondaVersion.compare(candidate, version) >= 0
            case .startsWith: return candidate.startsWith(version)
            case .notStartsWith: return !candidate.startsWith(version)
            case .compatible: return CondaVersion.compare(candidate, version) >= 0 && candidate.startsWith(prefix)
            case .pattern: return pattern.matches(candidate.description)
            case .text: return candidate.description == text
            }
        }
    }

    /// Characters with their offsets in the whole spec, so that a mistake found after removing spaces or `=`
    /// signs is still reported where the user wrote it.
    struct Source {
        var characters: [Character]
        var offsets: [Int]
        /// The offset reported for “the end of this text”.
        var end: Int

        init(_ characters: [Character], offsets: [Int], end: Int) {
            self.characters = characters
            self.offsets = offsets
            self.end = end
        }

        init(_ text: String) {
            characters = Array(text)
            offsets = Array(0..<characters.count)
            end = characters.count
        }

        var count: Int { characters.count }
        var isEmpty: Bool { characters.isEmpty }
        var text: String { String(characters) }
        subscript(index: Int) -> Character { characters[index] }

        func offset(_ index: Int) -> Int { index < offsets.count ? offsets[index] : end }

        func slice(_ range: Range<Int>) -> Source {
            Source(Array(characters[range]), offsets: Array(offsets[range]), end: offset(range.upperBound))
        }

        /// Without whitespace next to an operator, `,`, `|`, `(`, `)` or at either end (`>= 1.2`, `1.0 , <2`);
        /// whitespace between two version characters (`1.0 1.1`) stays, so that it is reported.
        func compactingWhitespace() -> Source {
            let symbols: Set<Character> = ["=", "<", ">", "!", "~", ",", "|", "(", ")"]
            var result = Source([], offsets: [], end: end)
            var index = 0
            while index < count {
                guard characters[index].isWhitespace else {
                    result.characters.append(characters[index])
                    result.offsets.append(offsets[index])
                    index += 1
                    continue
                }
                var next = index
                while next < count && characters[next].isWhitespace { next += 1 }
                if let before = result.characters.last, next < count, !symbols.contains(before),
                    !symbols.contains(characters[next])
                {
                    result.characters += characters[index..<next]
                    result.offsets += offsets[index..<next]
                }
                index = next
            }
            return result
        }

        func appending(_ character: Character) -> Source {
            Source(characters + [character], offsets: offsets + [end], end: end)
        }
    }

    /// The spec as read: without whitespace around operators (and, inside a MatchSpec, after conda's `=`
    /// handling, so `numpy=1.8` has the version spec `1.8*`).
    public let description: String
    let node: Node

    /// Reads a version spec on its own, e.g. `>=1.8,<2|1.7.*`.
    public init(_ text: String) throws(MatchSpecError) {
        let source = Source(text).compactingWhitespace()
        try self.init(source: source, spec: text)
    }

    /// Reads `source` (whitespace already compacted); errors name `spec` with positions from `source.offsets`.
    init(source: Source, spec: String) throws(MatchSpecError) {
        description = source.text
        node = try Parser(source: source, spec: spec).parse()
    }

    /// True when `version` satisfies the spec.
    public func matches(_ version: CondaVersion) -> Bool { node.matches(version) }

    /// True for `*`, which every version satisfies.
    public var matchesEveryVersion: Bool {
        node.kind == .any
    }

    public static func == (a: VersionSpec, b: VersionSpec) -> Bool { a.description == b.description }

    public func hash(into hasher: inout Hasher) { hasher.combine(description) }

    // MARK: Parsing

    struct Parser {
        let source: Source
        let spec: String

        static let operatorCharacters: Set<Character> = ["=", "<", ">", "!", "~"]
        /// In the order conda's `version_relation_re` tries them: `=` first, so `==` needs the look-ahead.
        static let operators = ["=", "==", "!=", "<=", ">=", "<", ">", "~="]
        static let operatorList = "==, !=, <, <=, >, >=, = or ~="

        func fail(_ index: Int, _ found: String, _ expected: String) -> MatchSpecError {
            MatchSpecError(spec: spec, position: source.offset(index), found: found, expected: expected)
        }

        /// `unexpected “x”` for the character at `index`, or `unexpected end` past the last one.
        func found(_ index: Int) -> String {
            index < source.count ? "unexpected “\(source[index])”" : "unexpected end"
        }

        /// Conda's `treeify` (a shunting-yard over `(`, `)`, `|`, `,` and `^…$` tokens) with each mistake
        /// reported where it is; then each leaf read as conda's `VersionSpec.get_matcher` reads it.
        func parse() throws(MatchSpecError) -> Node {
            let count = source.count
            guard count > 0 else { throw fail(0, "unexpected end", "expected a version") }
            if !source.characters.contains(where: { "()|,^$".contains($0) }) { return try leaf(0..<count) }

            var output: [Node] = []
            var stack: [(symbol: Character, index: Int)] = []
            var expectOperand = true

            func reduce(until stops: String) {
                while let top = stack.last, !stops.contains(top.symbol) {
                    stack.removeLast()
                    let right = output.removeLast()
                    let left = output.removeLast()
                    output.append(Self.combine(top.symbol, left, right))
                }
            }

            var index = 0
            while index < count {
                let character = source[index]
                switch character {
                case "(":
                    if !expectOperand { throw fail(index, "unexpected “(”", "expected “,” or “|” before “(”") }
                    stack.append(("(", index))
                    index += 1
                case ")":
                    if expectOperand { throw fail(index, "unexpected “)”", "expected a version") }
                    reduce(until: "(")
                    guard stack.last?.symbol == "(" else { throw fail(index, "unexpected “)”", "there is no “(” to close") }
                    stack.removeLast()
                    index += 1
                case "|", ",":
                    if expectOperand { throw fail(index, "unexpected “\(character)”", "expected a version") }
                    reduce(until: character == "|" ? "(" : "|(")
                    stack.append((character, index))
                    expectOperand = true
                    index += 1
                default:
                    if !expectOperand {
                        throw fail(index, "unexpected “\(character)”", "expected “,” or “|” between two versions")
                    }
                    var end = index + 1
                    if character == "^", let dollar = source.characters[(index + 1)...].firstIndex(of: "$") {
                        end = dollar + 1
                    } else {
                        while end < count && !"()|,".contains(source[end]) { end += 1 }
                    }
                    output.append(try leaf(index..<end))
                    expectOperand = false
                    index = end
                }
            }
            if expectOperand { throw fail(count, "unexpected end", "expected a version") }
            reduce(until: "(")
            if let open = stack.last {
                throw fail(open.index, "a “(” that is never closed", "expected a matching “)”")
            }
            return output[0]
        }

        /// Joins two operands; operands joined by the same operator are flattened, as conda does.
        static func combine(_ symbol: Character, _ left: Node, _ right: Node) -> Node {
            let kind: Node.Kind = symbol == "," ? .all : .either
            var children: [Node] = []
            for node in [left, right] {
                if node.kind == kind { children += node.children } else { children.append(node) }
            }
            return Node(kind, children: children)
        }

        /// One constraint, as conda's `VersionSpec.get_matcher` reads a string without `(`, `)`, `|`, `,`.
        func leaf(_ range: Range<Int>) throws(MatchSpecError) -> Node {
            let characters = Array(source.characters[range])
            let text = String(characters)
            let first = characters[0]
            let last = characters[characters.count - 1]
            if first == "^" || last == "$" {
                guard first == "^" else {
                    throw fail(
                        range.lowerBound, "unexpected “\(first)”", "a regular expression must start with “^” and end with “$”")
                }
                guard last == "$", characters.count >= 2 else {
                    throw fail(range.upperBound, found(range.upperBound), "a regular expression must end with “$”")
                }
                guard let pattern = MatchSpec.Pattern.regex(text, ignoringCase: false) else {
                    throw fail(range.lowerBound, "invalid regular expression “\(text)”", "expected a valid regular expression")
                }
                return .pattern(pattern)
            }
            if Self.operatorCharacters.contains(first) { return try comparison(range) }
            if text == "*" { return .any }
            var withoutTrailingStars = characters
            while withoutTrailingStars.last == "*" { withoutTrailingStars.removeLast() }
            if withoutTrailingStars.contains("*") { return .pattern(MatchSpec.Pattern.glob(text, ignoringCase: false)) }
            if last == "*" {
                // Conda: `1.2*` is `1.2.*`; the version is the text without trailing `*`s and then `.`s, which
                // is always a prefix of what was written.
                var prefix = characters
                if !(prefix.count >= 2 && prefix[prefix.count - 2] == ".") {
                    prefix.removeLast()
                    prefix += [".", "*"]
                }
                while prefix.last == "*" { prefix.removeLast() }
                while prefix.last == "." { prefix.removeLast() }
                return .startsWith(try version(String(prefix), at: range.lowerBound))
            }
            if !characters.contains("@") { return .equal(try version(text, at: range.lowerBound)) }
            return .text(text)
        }

        /// `>=1.2`, `==1.2`, `=1.2`, `!=1.2.*`, `~=1.2.3` …
        func comparison(_ range: Range<Int>) throws(MatchSpecError) -> Node {
            let characters = Array(source.characters[range])
            var matched: String?
            for candidate in Self.operators where characters.starts(with: candidate) {
                guard candidate.count < characters.count else { continue }
                if Self.operatorCharacters.contains(characters[candidate.count]) { continue }
                matched = candidate
                break
            }
            guard var op = matched else {
                var runEnd = 0
                while runEnd < characters.count && Self.operatorCharacters.contains(characters[runEnd]) { runEnd += 1 }
                let run = String(characters[0..<runEnd])
                if runEnd == characters.count && Self.operators.contains(run) {
                    throw fail(range.upperBound, found(range.upperBound), "expected a version after “\(run)”")
                }
                throw fail(
                    range.lowerBound, "unexpected “\(run)”", "expected an operator (\(Self.operatorList)) followed by a version")
            }
            var versionCharacters = Array(characters[op.count...])
            if versionCharacters.count >= 2 && versionCharacters.suffix(2) == [".", "*"] {
                switch op {
                case "~=":
                    throw fail(range.upperBound - 2, "unexpected “.*”", "“~=” cannot be combined with “.*”")
                case "!=":
                    op = "!=.*"
                default:
                    break
                }
                versionCharacters.removeLast(2)
            }
            let versionText = String(versionCharacters)
            let versionIndex = range.lowerBound + (op == "!=.*" ? 2 : op.count)
            let parsed = try version(versionText, at: versionIndex)
            switch op {
            case "==": return .equal(parsed)
            case "!=": return .notEqual(parsed)
            case "!=.*": return .notStartsWith(parsed)
            case "<": return .less(parsed)
            case "<=": return .lessOrEqual(parsed)
            case ">": return .greater(parsed)
            case ">=": return .greaterOrEqual(parsed)
            case "=": return .startsWith(parsed)
            default:
                // Conda: `x >= y and x.startswith(VersionOrder(".".join(str(y).split(".")[:-1])))`.
                let parts = parsed.normalized.split(separator: ".", omittingEmptySubsequences: false)
                let prefix = CondaVersion(parts.dropLast().joined(separator: "."))
                guard parts.count >= 2, prefix.isValid else {
                    throw fail(
                        versionIndex, "“~=\(versionText)”", "“~=” needs a version with at least two parts, such as ~=1.2")
                }
                return .compatible(parsed, prefix: prefix)
            }
        }

        /// A version conda accepts, or an error pointing at what it refuses.
        func version(_ text: String, at index: Int) throws(MatchSpecError) -> CondaVersion {
            let version = CondaVersion(text)
            if let problem = version.problem {
                let position = source.offset(index + problem.offset)
                let context = text.isEmpty ? "" : " in version “\(text)”"
                throw MatchSpecError(
                    spec: spec, position: position, message: "\(problem.found) at \(position)\(context): \(problem.expected)")
            }
            return version
        }
    }
}
