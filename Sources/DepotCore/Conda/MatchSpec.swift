import Foundation

/// A conda MatchSpec, parsed once and matched many times, following conda's `MatchSpec`
/// (conda/models/match_spec.py):
///
/// - `name`, `name version`, `name version build` (`python >=3.8,<3.9.0a0`, `numpy 1.2.* py38*`,
///   `libblas * *mkl`), `name=1.2` (1.2.*), `name==1.2`, `name=1.2=py38_0` (version 1.2 exactly, build py38_0),
///   `name>=1.2`, `name >= 1.2`; see `VersionSpec` for the version language.
/// - `channel::name`, `channel/subdir::name` (`subdir` only when it is a known platform or `noarch`), `*/linux-64::name`.
/// - A name may be `*`, a glob (`py*`) or a regular expression (`^py.*$`); names are lower-cased.
/// - A build is an exact string, a `*` glob or a `^…$` regular expression (case-sensitive, as in conda).
/// - `[key=value, …]` at the end, values quoted with `'` or `"` or not at all, separated by `,` and/or spaces:
///   `version`, `build`, `build_number` (a whole number, or one after `==`, `!=`, `<`, `<=`, `>`, `>=`),
///   `subdir`, `channel`, `md5`, `sha256`, `license` (case-insensitive, exact, glob or regex). A value in
///   brackets wins over the same field written before them.
/// - `# comment` at the end is ignored.
///
/// Differences from conda, each deliberate: whitespace after an operator inside a bracketed version is ignored (conda
/// refuses `[version='>= 1.0']`); `name=` with nothing after `=` and `name=>1` are errors (conda reads them as `name`
/// and `name>1*`); `[name=…]` is an error (conda silently ignores it); a build with a space in it
/// (`name 1.0 py38 extra`) is an error (conda keeps the space and never matches); a record without a licence
/// never matches a licence constraint; channels are kept as written (conda turns channel URLs into names).
public struct MatchSpec: Sendable, Hashable, CustomStringConvertible {
    /// The spec as written, trimmed (used in messages and reports).
    public let description: String
    /// `conda-forge` in `conda-forge::numpy` or `conda-forge/linux-64::numpy`; nil when absent (or `*`).
    public let channel: String?
    /// From `channel/subdir::name` or `[subdir=…]`; nil when absent.
    public let subdir: String?
    /// The name as matched: lower-cased, or `*`, a glob (`py*`) or a regular expression (`^py.*$`).
    public let name: String
    /// The version constraint; nil when the spec has none.
    public let version: VersionSpec?
    /// The build constraint as written (exact, glob or `^…$`); nil when the spec has none.
    public let build: String?
    /// The build number constraint as written (`3`, `>=3`); nil when the spec has none.
    public let buildNumber: String?
    public let md5: String?
    public let sha256: String?
    /// The licence constraint as written (matched case-insensitively); nil when the spec has none.
    public let license: String?

    /// What `matches` uses, in a class with constant fields so that matching borrows them.
    let matcher: Matcher
    /// What equality and hashing look at: every field as parsed.
    let identity: [String?]

    public init(_ text: String) throws(MatchSpecError) {
        let parsed = try Parser(text).parse()
        description = parsed.spec
        channel = parsed.channel
        subdir = parsed.subdir
        name = parsed.name
        version = parsed.version
        build = parsed.build?.text
        buildNumber = parsed.buildNumber?.text
        md5 = parsed.md5
        sha256 = parsed.sha256
        license = parsed.license?.text
        matcher = Matcher(parsed)
        identity = [channel, subdir, name, version?.description, build, buildNumber, md5, sha256, license]
    }

    /// The plain package name when the name is neither a glob nor a regex nor "*" (used to look up candidates
    /// by name); nil otherwise.
    public var exactName: String? { matcher.exactName }

    /// True when the record satisfies every part of the spec except the channel (callers check `channel`
    /// themselves).
    public func matches(_ candidate: MatchCandidate) -> Bool { matcher.matches(candidate) }

    /// True when the spec's name part accepts `name` (exact, glob, regex or `*`); used to find candidates
    /// before building them.
    public func matchesName(_ name: String) -> Bool {
        if let exact = matcher.exactName { return exact == name }
        return matcher.namePattern.matches(name)
    }

    /// The parsed constraints.
    final class Matcher: Sendable {
        let exactName: String?
        let namePattern: Pattern
        let version: VersionSpec.Node?
        let build: Pattern?
        let buildNumber: BuildNumberRule?
        let subdir: String?
        let md5: String?
        let sha256: String?
        let license: Pattern?

        init(_ parsed: Parsed) {
            if case let .exact(name) = parsed.namePattern { exactName = name } else { exactName = nil }
            namePattern = parsed.namePattern
            version = parsed.version.flatMap { $0.matchesEveryVersion ? nil : $0.node }
            build = parsed.build.flatMap { if case .any = $0.pattern { nil } else { $0.pattern } }
            buildNumber = parsed.buildNumber.flatMap { if case .any = $0.rule { nil } else { $0.rule } }
            subdir = parsed.subdir
            md5 = parsed.md5
            sha256 = parsed.sha256
            license = parsed.license?.pattern
        }

        func matches(_ candidate: MatchCandidate) -> Bool {
            if let exactName {
                if exactName != candidate.name { return false }
            } else if !namePattern.matches(candidate.name) {
                return false
            }
            if let version, !version.matches(candidate.version) { return false }
            if let build, !build.matches(candidate.build) { return false }
            if let buildNumber, !buildNumber.matches(candidate.buildNumber) { return false }
            if let subdir, subdir != candidate.subdir { return false }
            if let md5, candidate.md5 != md5 { return false }
            if let sha256, candidate.sha256 != sha256 { return false }
            if let license {
                guard let value = candidate.license, license.matches(value) else { return false }
            }
            return true
        }
    }

    public static func == (a: MatchSpec, b: MatchSpec) -> Bool { a.identity == b.identity }

    public func hash(into hasher: inout Hasher) { hasher.combine(identity) }

    /// Conda's known subdirs (conda/base/constants.py `KNOWN_SUBDIRS`): in `channel/x::name`, `x` is a subdir
    /// only when it is one of these.
    static let knownSubdirs: Set<String> = [
        "noarch", "emscripten-wasm32", "wasi-wasm32", "freebsd-64", "linux-32", "linux-64", "linux-aarch64",
        "linux-armv6l", "linux-armv7l", "linux-ppc64", "linux-ppc64le", "linux-riscv64", "linux-s390x", "osx-64",
        "osx-arm64", "win-32", "win-64", "win-arm64", "zos-z",
    ]

    // MARK: Patterns

    /// How a name, build or licence is matched: exactly, by a `*` glob or by a `^…$` regular expression.
    enum Pattern: Sendable {
        case any
        case exact(String)
        /// Compared ASCII-case-insensitively; stored lower-cased.
        case exactIgnoringCase(String)
        case glob(Glob)
        case regex(Regex)

        /// A `*` glob; `*` alone is `.any`.
        static func glob(_ text: String, ignoringCase: Bool) -> Pattern {
            text == "*" ? .any : .glob(Glob(text, ignoringCase: ignoringCase))
        }

        /// Nil when `text` is not a valid regular expression.
        static func regex(_ text: String, ignoringCase: Bool) -> Pattern? {
            Regex(text, ignoringCase: ignoringCase).map { .regex($0) }
        }

        /// Conda's rule for strings: `^…$` is a regular expression, anything with `*` a glob, else exact.
        static func make(_ text: String, ignoringCase: Bool) -> Pattern? {
            if text.hasPrefix("^") && text.hasSuffix("$") { return regex(text, ignoringCase: ignoringCase) }
            if text.contains("*") { return glob(text, ignoringCase: ignoringCase) }
            return ignoringCase ? .exactIgnoringCase(text.lowercased()) : .exact(text)
        }

        func matches(_ text: String) -> Bool {
            switch self {
            case .any: return true
            case let .exact(wanted): return text == wanted
            case let .exactIgnoringCase(wanted): return Glob.equalIgnoringCase(text, wanted)
            case let .glob(glob): return glob.matches(text)
            case let .regex(regex): return regex.matches(text)
            }
        }
    }

    /// A glob where only `*` is special (as conda's `re.escape(value).replace("\\*", ".*")`), matched on UTF-8
    /// bytes without allocating.
    final class Glob: Sendable {
        /// The text between the `*`s (at least two pieces; the first and last may be empty).
        let pieces: [[UInt8]]
        let minimumLength: Int
        let ignoringCase: Bool

        init(_ text: String, ignoringCase: Bool) {
            let source = ignoringCase ? text.lowercased() : text
            pieces = source.utf8.split(separator: UInt8(ascii: "*"), omittingEmptySubsequences: false).map(Array.init)
            minimumLength = pieces.reduce(0) { $0 + $1.count }
            self.ignoringCase = ignoringCase
        }

        func matches(_ text: String) -> Bool {
            if let result = text.utf8.withContiguousStorageIfAvailable({ match($0) }) { return result }
            return Array(text.utf8).withUnsafeBufferPointer { match($0) }
        }

        func match(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
            let count = text.count
            guard count >= minimumLength else { return false }
            let first = pieces[0]
            let last = pieces[pieces.count - 1]
            guard equal(text, at: 0, first), equal(text, at: count - last.count, last) else { return false }
            var position = first.count
            let limit = count - last.count
            var index = 1
            while index < pieces.count - 1 {
                let piece = pieces[index]
                index += 1
                if piece.isEmpty { continue }
                var found = -1
                var start = position
                while start + piece.count <= limit {
                    if equal(text, at: start, piece) {
                        found = start
                        break
                    }
                    start += 1
                }
                if found < 0 { return false }
                position = found + piece.count
            }
            return true
        }

        @inline(__always)
        func equal(_ text: UnsafeBufferPointer<UInt8>, at start: Int, _ piece: [UInt8]) -> Bool {
            var index = 0
            while index < piece.count {
                var byte = text[start + index]
                if ignoringCase && (65...90).contains(byte) { byte += 32 }
                if byte != piece[index] { return false }
                index += 1
            }
            return true
        }

        /// `text` equals the lower-cased `wanted`, ignoring ASCII case.
        static func equalIgnoringCase(_ text: String, _ wanted: String) -> Bool {
            let a = text.utf8
            let b = wanted.utf8
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) where ((65...90).contains(x) ? x + 32 : x) != y { return false }
            return true
        }
    }

    /// A compiled `^…$` regular expression (Foundation's, ICU syntax), anchored at the start like Python's
    /// `re.match`. Matching with one `NSRegularExpression` from several threads is safe.
    final class Regex: @unchecked Sendable {
        let expression: NSRegularExpression

        init?(_ pattern: String, ignoringCase: Bool) {
            guard let expression = try? NSRegularExpression(pattern: pattern, options: ignoringCase ? [.caseInsensitive] : [])
            else { return nil }
            self.expression = expression
        }

        func matches(_ text: String) -> Bool {
            expression.firstMatch(in: text, options: [.anchored], range: NSRange(text.startIndex..., in: text)) != nil
        }
    }

    /// A `build_number` constraint.
    enum BuildNumberRule: Sendable {
        case any
        case equal(Int)
        case notEqual(Int)
        case less(Int)
        case lessOrEqual(Int)
        case greater(Int)
        case greaterOrEqual(Int)

        func matches(_ number: Int) -> Bool {
            switch self {
            case .any: true
            case let .equal(value): number == value
            case let .notEqual(value): number != value
            case let .less(value): number < value
            case let .lessOrEqual(value): number <= value
            case let .greater(value): number > value
            case let .greaterOrEqual(value): number >= value
            }
        }
    }

    // MARK: Parsing

    /// Everything `init` keeps.
    struct Parsed {
        var spec: String
        var channel: String?
        var subdir: String?
        var name: String
        var namePattern: Pattern
        var version: VersionSpec?
        var build: (text: String, pattern: Pattern)?
        var buildNumber: (text: String, rule: BuildNumberRule)?
        var md5: String?
        var sha256: String?
        var license: (text: String, pattern: Pattern)?
    }

    /// Reads a spec in conda's order: comment, `[…]` section, `channel::`, name, version and build; then the
    /// bracket values win over the positional ones.
    struct Parser {
        let spec: String
        let characters: [Character]
        typealias Source = VersionSpec.Source

        static let operatorCharacters: Set<Character> = ["=", "<", ">", "!", "~"]
        static let supportedKeys: Set<String> = [
            "version", "build", "build_number", "subdir", "channel", "md5", "sha256", "license",
        ]
        /// Keys conda (or rattler) knows that Depot cannot match on.
        static let unsupportedKeys: Set<String> = [
            "name", "track_features", "features", "url", "fn", "license_family", "when", "extras", "flags",
            "namespace", "optional", "target",
        ]

        init(_ text: String) {
            var characters = Array(text)
            while let last = characters.last, last.isWhitespace { characters.removeLast() }
            let leading = characters.prefix(while: \.isWhitespace).count
            characters.removeFirst(leading)
            self.characters = characters
            spec = String(characters)
        }

        func fail(_ position: Int, _ found: String, _ expected: String) -> MatchSpecError {
            MatchSpecError(spec: spec, position: position, found: found, expected: expected)
        }

        func found(_ index: Int) -> String {
            index < characters.count ? "unexpected “\(characters[index])”" : "unexpected end"
        }

        func source(_ range: Range<Int>) -> Source {
            Source(Array(characters[range]), offsets: Array(range), end: range.upperBound)
        }

        func skipSpaces(_ index: inout Int, before end: Int) {
            while index < end && characters[index].isWhitespace { index += 1 }
        }

        func parse() throws(MatchSpecError) -> Parsed {
            let count = characters.count
            guard count > 0 else { throw fail(0, "empty spec", "expected a package name") }

            // Sections: the positional part, then at most one `[…]`, then an optional `# comment`.
            var bodyEnd = count
            var brackets: Range<Int>?
            var index = 0
            // Where the next `$` is after a `^`; once none is left, later `^`s do not look again (linear time).
            var noDollarFrom = count
            scan: while index < count {
                switch characters[index] {
                case "#":
                    bodyEnd = index
                    break scan
                case "^":
                    // A regular expression may hold `[`, `]` and `#`: skip to its `$`.
                    if index + 1 < noDollarFrom, let dollar = characters[(index + 1)...].firstIndex(of: "$") {
                        index = dollar + 1
                    } else {
                        noDollarFrom = min(noDollarFrom, index + 1)
                        index += 1
                    }
                case "]":
                    throw fail(index, "unexpected “]”", "there is no “[” to close")
                case "[":
                    let close = try bracketEnd(from: index)
                    brackets = index..<(close + 1)
                    var after = close + 1
                    skipSpaces(&after, before: count)
                    if after < count && characters[after] != "#" {
                        if characters[after] == "[" {
                            throw fail(after, "a second “[”", "only one “[…]” section is allowed")
                        }
                        throw fail(after, found(after), "nothing may follow the “[…]” section")
                    }
                    bodyEnd = index
                    break scan
                default:
                    index += 1
                }
            }
            var positionalEnd = bodyEnd
            while positionalEnd > 0 && characters[positionalEnd - 1].isWhitespace { positionalEnd -= 1 }
            guard positionalEnd > 0 else { throw fail(0, found(0), "expected a package name") }
            var pairs: [String: (value: Source, keyAt: Int)] = [:]
            if let brackets { pairs = try bracketPairs(brackets) }

            // `channel::name`, `channel/subdir::name`; conda's `rsplit(":", 2)` (the namespace between the two
            // colons is ignored, as conda does).
            let colons = (0..<positionalEnd).filter { characters[$0] == ":" }
            var nameStart = 0
            var channel: String?
            var subdir: String?
            if colons.count >= 2 {
                let channelEnd = colons[colons.count - 2]
                (channel, subdir) = try self.channel(0..<channelEnd)
                nameStart = colons[colons.count - 1] + 1
            } else if let colon = colons.first {
                nameStart = colon + 1
            }

            // The name: up to a space or an operator (or, for `^…$`, up to the `$` before one).
            skipSpaces(&nameStart, before: positionalEnd)
            guard nameStart < positionalEnd else { throw fail(nameStart, found(nameStart), "expected a package name") }
            var nameEnd = nameStart
            if characters[nameStart] == "^",
                let dollar = (nameStart + 1..<positionalEnd).first(where: { index in
                    characters[index] == "$"
                        && (index + 1 == positionalEnd || characters[index + 1].isWhitespace
                            || Self.operatorCharacters.contains(characters[index + 1]))
                })
            {
                nameEnd = dollar + 1
            } else {
                while nameEnd < positionalEnd && !characters[nameEnd].isWhitespace
                    && !Self.operatorCharacters.contains(characters[nameEnd])
                {
                    nameEnd += 1
                }
            }
            guard nameEnd > nameStart else { throw fail(nameStart, found(nameStart), "expected a package name") }
            let (name, namePattern) = try self.name(nameStart..<nameEnd)

            // Version and build.
            var restStart = nameEnd
            skipSpaces(&restStart, before: positionalEnd)
            var version: VersionSpec?
            var build: (text: String, pattern: Pattern)?
            if restStart < positionalEnd {
                let rest = restStart..<positionalEnd
                if rest.count == 1 && Self.operatorCharacters.contains(characters[restStart]) {
                    throw fail(positionalEnd, "unexpected end", "expected a version after “\(characters[restStart])”")
                }
                let (versionRange, buildRange) = splitVersionAndBuild(rest)
                if let buildRange {
                    build = try self.build(buildRange)
                }
                let versionSource = Self.sanitize(source(versionRange).compactingWhitespace(), hasBuild: buildRange != nil)
                version = try VersionSpec(source: versionSource, spec: spec)
            }

            var parsed = Parsed(
                spec: spec, channel: channel, subdir: subdir, name: name, namePattern: namePattern,
                version: version, build: build)
            for (key, value) in pairs.sorted(by: { $0.value.keyAt < $1.value.keyAt }) {
                try apply(key, value.value, to: &parsed)
            }
            return parsed
        }

        // MARK: Brackets

        /// The index of the `]` that closes the `[` at `open`, skipping quoted values and nested `[…]`.
        func bracketEnd(from open: Int) throws(MatchSpecError) -> Int {
            var depth = 1
            var quote: (character: Character, index: Int)?
            var index = open + 1
            while index < characters.count {
                let character = characters[index]
                if let open = quote {
                    if character == open.character { quote = nil }
                } else if character == "'" || character == "\"" {
                    quote = (character, index)
                } else if character == "[" {
                    depth += 1
                } else if character == "]" {
                    depth -= 1
                    if depth == 0 { return index }
                }
                index += 1
            }
            if let quote {
                throw fail(
                    quote.index, "a “\(quote.character)” that is never closed", "expected a closing “\(quote.character)”")
            }
            throw fail(open, "a “[” that is never closed", "expected “]” at the end of the spec")
        }

        /// `key=value` pairs inside `[…]`, separated by `,` and/or spaces.
        func bracketPairs(_ range: Range<Int>) throws(MatchSpecError) -> [String: (value: Source, keyAt: Int)] {
            let close = range.upperBound - 1
            var pairs: [String: (value: Source, keyAt: Int)] = [:]
            var index = range.lowerBound + 1
            var commaAllowed = false
            var needsSeparator = false
            let expectedKey = "expected a key such as version, build or build_number"
            while true {
                if index < close && characters[index].isWhitespace {
                    skipSpaces(&index, before: close)
                    needsSeparator = false
                }
                if index == close { break }
                if characters[index] == "," {
                    guard commaAllowed else { throw fail(index, "unexpected “,”", expectedKey) }
                    commaAllowed = false
                    needsSeparator = false
                    index += 1
                    continue
                }
                if needsSeparator { throw fail(index, found(index), "expected “,” or “]” after a value") }
                let keyStart = index
                while index < close, Self.isKeyCharacter(characters[index]) { index += 1 }
                guard index > keyStart else { throw fail(index, found(index), expectedKey) }
                let key = String(characters[keyStart..<index])
                if !Self.supportedKeys.contains(key) {
                    if key == "name" {
                        throw fail(keyStart, "“name” inside “[…]”", "write the package name before “[”")
                    }
                    let supported = "version, build, build_number, subdir, channel, md5, sha256 or license"
                    if Self.unsupportedKeys.contains(key) {
                        throw fail(keyStart, "unsupported key “\(key)”", "Depot matches on \(supported)")
                    }
                    throw fail(keyStart, "unknown key “\(key)”", "expected \(supported)")
                }
                if pairs[key] != nil { throw fail(keyStart, "a second “\(key)”", "each key may be given once") }
                skipSpaces(&index, before: close)
                guard index < close, characters[index] == "=" else {
                    throw fail(index, found(index), "expected “=” after “\(key)”")
                }
                index += 1
                skipSpaces(&index, before: close)
                guard index < close else { throw fail(index, found(index), "expected a value for “\(key)”") }
                var valueRange: Range<Int>
                let quote = characters[index]
                if quote == "'" || quote == "\"" {
                    let end = characters[(index + 1)..<close].firstIndex(of: quote) ?? close
                    valueRange = (index + 1)..<end
                    index = end + 1
                    needsSeparator = true
                } else {
                    let start = index
                    while index < close && !characters[index].isWhitespace && characters[index] != "," { index += 1 }
                    valueRange = start..<index
                }
                while !valueRange.isEmpty && characters[valueRange.lowerBound].isWhitespace {
                    valueRange = (valueRange.lowerBound + 1)..<valueRange.upperBound
                }
                while !valueRange.isEmpty && characters[valueRange.upperBound - 1].isWhitespace {
                    valueRange = valueRange.lowerBound..<(valueRange.upperBound - 1)
                }
                if valueRange.isEmpty {
                    throw fail(valueRange.lowerBound, "an empty value", "expected a value for “\(key)”")
                }
                pairs[key] = (source(valueRange), keyStart)
                commaAllowed = true
            }
            if pairs.isEmpty { throw fail(close, "unexpected “]”", expectedKey) }
            return pairs
        }

        /// Applies one bracket value over what the positional part said.
        func apply(_ key: String, _ value: Source, to parsed: inout Parsed) throws(MatchSpecError) {
            let text = value.text
            switch key {
            case "version":
                let source = Self.sanitize(value.compactingWhitespace(), hasBuild: false)
                parsed.version = try VersionSpec(source: source, spec: spec)
            case "build":
                parsed.build = try build(value.offsets[0]..<(value.offsets[value.count - 1] + 1))
            case "build_number":
                parsed.buildNumber = (text, try buildNumber(value))
            case "subdir":
                parsed.subdir = text
            case "channel":
                let range = value.offsets[0]..<(value.offsets[value.count - 1] + 1)
                let (channel, subdir) = try self.channel(range)
                parsed.channel = channel
                if let subdir { parsed.subdir = subdir }
            case "md5":
                parsed.md5 = text
            case "sha256":
                parsed.sha256 = text
            default:  // license
                guard let pattern = Pattern.make(text, ignoringCase: true) else {
                    throw fail(value.offset(0), "invalid regular expression “\(text)”", "expected a valid regular expression")
                }
                parsed.license = (text, pattern)
            }
        }

        /// `3`, `*`, or a whole number after `==`, `!=`, `<`, `<=`, `>`, `>=` (or `=`, which conda reads as equal).
        func buildNumber(_ value: Source) throws(MatchSpecError) -> BuildNumberRule {
            let text = value.text
            let expected = "build_number takes a whole number, optionally after ==, !=, <, <=, > or >="
            if text == "*" { return .any }
            var op = ""
            for candidate in ["==", "!=", "<=", ">=", "<", ">", "="] where text.hasPrefix(candidate) {
                op = candidate
                break
            }
            let digits = value.slice(op.count..<value.count).compactingWhitespace()
            guard !digits.isEmpty else {
                throw fail(value.end, "unexpected end", expected)
            }
            guard digits.characters.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(digits.text) else {
                let bad = digits.characters.firstIndex(where: { !($0.isASCII && $0.isNumber) }) ?? 0
                throw fail(digits.offset(bad), "unexpected “\(digits.text)”", expected)
            }
            switch op {
            case "!=": return .notEqual(number)
            case "<": return .less(number)
            case "<=": return .lessOrEqual(number)
            case ">": return .greater(number)
            case ">=": return .greaterOrEqual(number)
            default: return .equal(number)
            }
        }

        // MARK: Fields

        /// `conda-forge`, `conda-forge/linux-64`, `*/linux-64`, `https://host/path`: the channel and, when the
        /// last path element is a known subdir, the subdir.
        func channel(_ range: Range<Int>) throws(MatchSpecError) -> (String?, String?) {
            var characters = Array(self.characters[range])
            if let space = characters.firstIndex(where: \.isWhitespace) {
                throw fail(range.lowerBound + space, "unexpected space", "a channel name cannot contain spaces")
            }
            var subdir: String?
            if let slash = characters.lastIndex(of: "/") {
                let last = String(characters[(slash + 1)...])
                if MatchSpec.knownSubdirs.contains(last) {
                    subdir = last
                    characters.removeSubrange(slash...)
                }
            }
            while characters.last == "/" { characters.removeLast() }
            let channel = String(characters)
            return (channel.isEmpty || channel == "*" ? nil : channel, subdir)
        }

        /// The name as matched, and how: `*`, a glob and a regular expression are kept (globs lower-cased,
        /// regular expressions matched ignoring case); a plain name is lower-cased and checked as conda checks
        /// it (CEP 26).
        func name(_ range: Range<Int>) throws(MatchSpecError) -> (String, Pattern) {
            let raw = String(characters[range])
            if raw.hasPrefix("^") || raw.hasSuffix("$") {
                guard raw.hasPrefix("^") else {
                    throw fail(
                        range.lowerBound, found(range.lowerBound), "a regular expression must start with “^” and end with “$”")
                }
                guard raw.hasSuffix("$"), raw.count >= 2 else {
                    throw fail(range.upperBound, found(range.upperBound), "a regular expression must end with “$”")
                }
                guard let pattern = Pattern.regex(raw, ignoringCase: true) else {
                    throw fail(range.lowerBound, "invalid regular expression “\(raw)”", "expected a valid regular expression")
                }
                return (raw, pattern)
            }
            let name = raw.lowercased()
            if name.contains("*") { return (name, Pattern.glob(name, ignoringCase: false)) }
            let characters = Array(name)
            guard characters.count == range.count else {
                throw fail(
                    range.lowerBound, "unexpected “\(raw)”", "a package name may only contain letters, digits, “.”, “_” and “-”")
            }
            for (offset, character) in characters.enumerated() where !Self.isNameCharacter(character) {
                throw fail(
                    range.lowerBound + offset, "unexpected “\(self.characters[range.lowerBound + offset])” in the package name",
                    "a package name may only contain letters, digits, “.”, “_” and “-”")
            }
            if let (offset, expected) = Self.nameStructureProblem(characters) {
                throw fail(range.lowerBound + offset, "invalid package name “\(raw)”", expected)
            }
            return (name, .exact(name))
        }

        static func isKeyCharacter(_ character: Character) -> Bool {
            guard let ascii = character.asciiValue else { return false }
            return (48...57).contains(ascii) || (65...90).contains(ascii) || (97...122).contains(ascii) || ascii == 95
                || ascii == 45
        }

        static func isNameCharacter(_ character: Character) -> Bool {
            guard let ascii = character.asciiValue else { return false }
            return (48...57).contains(ascii) || (97...122).contains(ascii) || ascii == 46 || ascii == 95 || ascii == 45
        }

        static func isSeparator(_ character: Character) -> Bool { character == "." || character == "_" || character == "-" }

        /// Conda's CEP 26 name rule, `^(([a-z0-9])|([a-z0-9_](?!_)))[._-]?([a-z0-9]+(\.|-|_|$))*$` or, for
        /// virtual packages, `^__[a-z0-9][._-]?([a-z0-9]+(\.|-|_|$))*$`: where it fails and why.
        static func nameStructureProblem(_ name: [Character]) -> (Int, String)? {
            var index: Int
            if name.count >= 2 && name[0] == "_" && name[1] == "_" {
                guard name.count > 2, !isSeparator(name[2]) else {
                    return (min(2, name.count), "a virtual package name needs a letter or digit after “__”")
                }
                index = 3
            } else if isSeparator(name[0]) && name[0] != "_" {
                return (0, "a package name must start with a letter, a digit or “_”")
            } else {
                index = 1
            }
            if index < name.count && isSeparator(name[index]) { index += 1 }
            if index < name.count && isSeparator(name[index]) {
                return (index, "two separators in a row")
            }
            while index + 1 < name.count {
                if isSeparator(name[index]) && isSeparator(name[index + 1]) { return (index + 1, "two separators in a row") }
                index += 1
            }
            return nil
        }

        /// An exact build, a `*` glob or a `^…$` regular expression; a space inside is an error.
        func build(_ range: Range<Int>) throws(MatchSpecError) -> (text: String, pattern: Pattern) {
            let text = String(characters[range])
            if !(text.hasPrefix("^") && text.hasSuffix("$")), let space = characters[range].firstIndex(where: \.isWhitespace) {
                var next = space
                skipSpaces(&next, before: range.upperBound)
                let extra = String(characters[next..<range.upperBound])
                let build = String(characters[range.lowerBound..<space])
                throw fail(next, "unexpected “\(extra)”", "expected nothing after the build string “\(build)”")
            }
            guard let pattern = Pattern.make(text, ignoringCase: false) else {
                throw fail(range.lowerBound, "invalid regular expression “\(text)”", "expected a valid regular expression")
            }
            return (text, pattern)
        }

        /// Conda's `_VERSION_BUILD_RE`: the build starts after the first space or `=` that does not follow an
        /// operator, `,` or `|`, when what comes after it has no `-`, `=`, `,`, `|`, `<`, `>`, `~`.
        func splitVersionAndBuild(_ range: Range<Int>) -> (Range<Int>, Range<Int>?) {
            let notInBuild: Set<Character> = ["-", "=", ",", "|", "<", ">", "~"]
            let notBeforeSeparator: Set<Character> = ["=", "!", "|", ",", "<", ">", "~"]
            // cleanFrom: the first index from which no character is one of `notInBuild`.
            var cleanFrom = range.upperBound
            while cleanFrom > range.lowerBound && !notInBuild.contains(characters[cleanFrom - 1]) { cleanFrom -= 1 }
            var index = range.lowerBound + 1
            while index < range.upperBound - 1 {
                let character = characters[index]
                if (character.isWhitespace || character == "=") && !notBeforeSeparator.contains(characters[index - 1])
                    && index + 1 >= cleanFrom
                {
                    var buildStart = index + 1
                    skipSpaces(&buildStart, before: range.upperBound)
                    var versionEnd = index
                    while versionEnd > range.lowerBound && characters[versionEnd - 1].isWhitespace { versionEnd -= 1 }
                    return (range.lowerBound..<versionEnd, buildStart..<range.upperBound)
                }
                index += 1
            }
            return (range, nil)
        }

        /// Conda's `_sanitize_version_str`: `=1.2` becomes `1.2*` (without a build) or `1.2` (with one); `==1.2`
        /// without a build becomes `1.2`. Unlike conda, `=` followed by another operator (`=>1`) is left alone,
        /// so that it is reported as an unknown operator instead of read as `>1*`.
        static func sanitize(_ version: Source, hasBuild: Bool) -> Source {
            let text = version.text
            guard text != "==", text != "=", text.hasPrefix("=") else { return version }
            let equals = version.characters.prefix(while: { $0 == "=" }).count
            let rest = version.slice(equals..<version.count)
            if let first = rest.characters.first, operatorCharacters.contains(first) { return version }
            if equals >= 2 && !hasBuild { return rest }
            if !rest.characters.contains(where: { "=,|".contains($0) }) {
                return !hasBuild && rest.characters.last != "*" ? rest.appending("*") : rest
            }
            return version
        }
    }
}
