/// A conda package version, parsed once and compared exactly as conda's `VersionOrder`
/// (conda/models/version.py) compares version strings.
///
/// Parsing, as conda does it: the text is trimmed and lower-cased; `-` counts as `_` when the text has no `_`;
/// an optional epoch `N!` comes first (0 when absent) and an optional local version after `+`; the version splits
/// into parts at `.` and `_` (a single trailing `_`, openssl style, stays on the last part: `1.0.1_`); each part
/// splits into runs of digits, runs of `*` and runs of other characters; digit runs are numbers, `post` is above
/// every number, `dev` is below every other string, and a part that starts with a letter gets a leading 0 so that
/// `1.1.a1` equals `1.1.0a1`.
///
/// Comparing, as conda does it: parts are compared in order, then the local versions; inside a part, strings are
/// below numbers, strings compare by their characters, numbers by value; a missing part or run counts as 0, so
/// `1.1 == 1.1.0`.
///
/// The initialiser never fails: text conda would reject (`1..2`, `1.0-beta_2`, `a!1`) is still ordered by a
/// lenient reading, and `isValid` is false.
///
/// Comparisons do not allocate or retain: runs are plain 16-byte values, strings of up to 8 characters (nearly
/// all of them: `a`, `rc`, `dev`, `post`, `beta`) are packed into an integer whose order is their order.
public struct CondaVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// One run inside a part: `1`, `beta`, `post`.
    struct Atom: Sendable, Equatable {
        /// One of the kinds below, plus `lastInPart` on the last run of each part.
        let tag: UInt8
        /// The number; a string of up to 8 bytes packed big-endian (zero-padded, so integer order is string
        /// order); or, for `longString` and `big`, an index into `extras`.
        let value: UInt64

        /// A string of up to 8 bytes (`dev` is stored as `DEV`, below every other string, as conda does).
        static let shortString: UInt8 = 0
        /// A longer string, kept in `extras`.
        static let longString: UInt8 = 1
        static let number: UInt8 = 2
        /// A number beyond 64 bits: its digits without leading zeros, kept in `extras`.
        static let big: UInt8 = 3
        /// `post`, above every number.
        static let post: UInt8 = 4
        static let lastInPart: UInt8 = 0x80

        static let zero = Atom(tag: number, value: 0)

        @inline(__always) var kind: UInt8 { tag & 0x7F }
        @inline(__always) var isLast: Bool { tag & Self.lastInPart != 0 }
        @inline(__always) var isString: Bool { kind <= Self.longString }
        @inline(__always) var isZero: Bool { kind == Self.number && value == 0 }

        /// `compare(self, 0)`: 0 is the fill value conda uses for a missing run or part.
        @inline(__always)
        var signAgainstZero: Int {
            switch kind {
            case Self.shortString, Self.longString: -1
            case Self.number: value == 0 ? 0 : 1
            default: 1
            }
        }

        static func packed(_ bytes: some Collection<UInt8>) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 56
            for byte in bytes {
                value |= UInt64(byte) << shift
                shift &-= 8
            }
            return value
        }
    }

    /// Why conda would reject a version text: where (a character offset in the text given to `init`) and what.
    struct Problem: Sendable, Hashable {
        /// Character offset in the text given to `CondaVersion.init`.
        let offset: Int
        /// What is at `offset`, e.g. `unexpected “&”`.
        let found: String
        /// What was expected instead.
        let expected: String
    }

    /// What a version keeps besides its runs.
    struct Header {
        /// The text exactly as given.
        let description: String
        /// Strings longer than 8 bytes and numbers beyond 64 bits.
        let extras: [String]
        /// The number of runs.
        let count: Int
        /// Where the local parts begin among the runs (`count` when there is no local version).
        let localStart: Int
        let isValid: Bool
    }

    /// One allocation per version: the header, then the runs of all parts (the epoch part first, then the version
    /// parts, then the local parts; the last run of each part is marked). Immutable once made.
    final class Storage: ManagedBuffer<Header, Atom> {}

    /// `ManagedBuffer` is never `Sendable`; this one is immutable once made, so sharing it is safe.
    struct SharedStorage: @unchecked Sendable {
        let buffer: Storage
    }

    let shared: SharedStorage
    @inline(__always) var storage: Storage { shared.buffer }

    public init(_ text: String) {
        var parser = Parser(text)
        let isValid = parser.check() == nil
        if isValid { parser.parse() } else { parser.parseLeniently() }
        let atoms = parser.atoms
        let header = Header(
            description: text, extras: parser.extras, count: atoms.count, localStart: parser.localStart,
            isValid: isValid)
        let storage = unsafeDowncast(Storage.create(minimumCapacity: atoms.count) { _ in header }, to: Storage.self)
        shared = SharedStorage(buffer: storage)
        storage.withUnsafeMutablePointerToElements { pointer in
            atoms.withUnsafeBufferPointer { pointer.initialize(from: $0.baseAddress!, count: atoms.count) }
        }
    }

    /// The text exactly as given (used for `^…$` and glob version specs, which conda matches against the text).
    public var description: String { storage.header.description }

    /// False when conda would refuse this text as a version (it is still ordered, leniently).
    public var isValid: Bool { storage.header.isValid }

    /// Why conda refuses the text; nil when it accepts it.
    var problem: Problem? {
        guard !isValid else { return nil }
        var parser = Parser(description)
        return parser.check()
    }

    /// The text trimmed and lower-cased, with `-` read as `_` where conda does so: conda's `str(VersionOrder)`.
    var normalized: String {
        let characters = Array(description)
        var start = 0
        var end = characters.count
        while start < end && characters[start].isWhitespace { start += 1 }
        while end > start && characters[end - 1].isWhitespace { end -= 1 }
        let text = String(characters[start..<end]).lowercased()
        guard text.contains("-") && !text.contains("_") else { return text }
        return String(text.map { $0 == "-" ? "_" : $0 })
    }

    /// Pointers into a version's storage, valid inside `withView`.
    struct View {
        let header: UnsafeMutablePointer<Header>
        let atoms: UnsafeMutablePointer<Atom>
        @inline(__always) var count: Int { header.pointee.count }
        @inline(__always) var localStart: Int { header.pointee.localStart }

        /// The text of a string run (slow path: strings longer than 8 bytes, or unpacking a short one).
        func string(_ atom: Atom) -> String {
            if atom.kind == Atom.longString { return header.pointee.extras[Int(atom.value)] }
            var bytes: [UInt8] = []
            var value = atom.value
            while value != 0 {
                bytes.append(UInt8(value >> 56))
                value <<= 8
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        func extra(_ atom: Atom) -> String { header.pointee.extras[Int(atom.value)] }
    }

    @inline(__always)
    func withView<R>(_ body: (View) -> R) -> R {
        storage.withUnsafeMutablePointers { header, atoms in body(View(header: header, atoms: atoms)) }
    }

    // MARK: Comparing

    public static func == (a: CondaVersion, b: CondaVersion) -> Bool { compare(a, b) == 0 }

    public static func < (a: CondaVersion, b: CondaVersion) -> Bool { compare(a, b) < 0 }

    /// -1, 0 or 1, as conda's `VersionOrder.__lt__` / `__eq__` decide.
    static func compare(_ a: CondaVersion, _ b: CondaVersion) -> Int {
        a.withView { x in b.withView { y in compare(x, y) } }
    }

    static func compare(_ a: View, _ b: View) -> Int {
        var i = 0
        var j = 0
        let main = compareParts(a, &i, a.localStart, b, &j, b.localStart, limit: Int.max)
        if main != 0 { return main }
        i = a.localStart
        j = b.localStart
        return compareParts(a, &i, a.count, b, &j, b.count, limit: Int.max)
    }

    /// Compares up to `limit` parts of `a` (runs `i..<aEnd`) with those of `b` (runs `j..<bEnd`), a missing part
    /// or run counting as 0; moves `i` and `j` past the parts compared.
    static func compareParts(_ a: View, _ i: inout Int, _ aEnd: Int, _ b: View, _ j: inout Int, _ bEnd: Int, limit: Int) -> Int {
        var parts = 0
        while parts < limit && (i < aEnd || j < bEnd) {
            var aInPart = i < aEnd
            var bInPart = j < bEnd
            while aInPart || bInPart {
                let result: Int
                if aInPart && bInPart {
                    result = compareAtoms(a, a.atoms[i], b, b.atoms[j])
                } else if aInPart {
                    result = a.atoms[i].signAgainstZero
                } else {
                    result = -b.atoms[j].signAgainstZero
                }
                if result != 0 { return result }
                if aInPart {
                    aInPart = !a.atoms[i].isLast
                    i += 1
                }
                if bInPart {
                    bInPart = !b.atoms[j].isLast
                    j += 1
                }
            }
            parts += 1
        }
        return 0
    }

    /// Conda's rule for two runs: equal runs are equal; a string is below anything that is not a string; strings
    /// compare by characters; numbers by value, `post` above every number.
    @inline(__always)
    static func compareAtoms(_ a: View, _ x: Atom, _ b: View, _ y: Atom) -> Int {
        let kx = x.kind
        let ky = y.kind
        if kx == ky && (kx == Atom.number || kx == Atom.shortString) {
            return x.value < y.value ? -1 : (x.value == y.value ? 0 : 1)
        }
        return compareAtomsSlowly(a, x, b, y)
    }

    static func compareAtomsSlowly(_ a: View, _ x: Atom, _ b: View, _ y: Atom) -> Int {
        let kx = x.kind
        let ky = y.kind
        if x.isString {
            guard y.isString else { return -1 }
            let p = a.string(x)
            let q = b.string(y)
            return p == q ? 0 : (p.utf8.lexicographicallyPrecedes(q.utf8) ? -1 : 1)
        }
        if y.isString { return 1 }
        if kx != ky { return kx < ky ? -1 : 1 }
        if kx == Atom.big {
            let p = a.extra(x).utf8
            let q = b.extra(y).utf8
            if p.count != q.count { return p.count < q.count ? -1 : 1 }
            return p.elementsEqual(q) ? 0 : (p.lexicographicallyPrecedes(q) ? -1 : 1)
        }
        return 0
    }

    /// Conda's `VersionOrder.startswith`, which decides `1.2.*` and `=1.2`: the parts of `prefix` but its last
    /// match this version's (missing parts counting as 0), and in the last part of `prefix` the runs but its last
    /// match, and its last run is equal to this version's run there — or, when that run is a string, a prefix of
    /// it. So `1.2` and `1.2.5` start with `1.2`, `1.20` does not, `0.4.1p1` starts with `0.4.1p`. When `prefix`
    /// has a local version, the versions must be equal and the local versions are compared in the same way.
    public func startsWith(_ prefix: CondaVersion) -> Bool {
        withView { mine in prefix.withView { theirs in Self.startsWith(mine, theirs) } }
    }

    static func startsWith(_ a: View, _ b: View) -> Bool {
        var i: Int
        var iEnd: Int
        var j: Int
        let jEnd: Int
        if b.localStart < b.count {
            var x = 0
            var y = 0
            if compareParts(a, &x, a.localStart, b, &y, b.localStart, limit: Int.max) != 0 { return false }
            (i, iEnd, j, jEnd) = (a.localStart, a.count, b.localStart, b.count)
        } else {
            (i, iEnd, j, jEnd) = (0, a.localStart, 0, b.localStart)
        }
        // The parts of the prefix but its last.
        var prefixParts = 0
        for index in j..<jEnd where b.atoms[index].isLast { prefixParts += 1 }
        if compareParts(a, &i, iEnd, b, &j, jEnd, limit: prefixParts - 1) != 0 { return false }
        // Its last part: the runs but the last, then the last.
        if i >= iEnd { iEnd = i }  // this version has no part here: all zeros
        let lastRun = jEnd - 1
        while j < lastRun {
            let mine = i < iEnd ? a.atoms[i] : Atom.zero
            if compareAtoms(a, mine, b, b.atoms[j]) != 0 { return false }
            if i < iEnd {
                if mine.isLast { iEnd = i } else { i += 1 }
            }
            j += 1
        }
        let mine = i < iEnd ? a.atoms[i] : Atom.zero
        let wanted = b.atoms[lastRun]
        if wanted.isString {
            guard mine.isString else { return false }
            if mine.kind == Atom.shortString && wanted.kind == Atom.shortString {
                let length = (64 - wanted.value.trailingZeroBitCount + 7) / 8
                let mask: UInt64 = length >= 8 ? ~0 : ~(~0 >> UInt64(length * 8))
                return mine.value & mask == wanted.value
            }
            return a.string(mine).hasPrefix(b.string(wanted))
        }
        return compareAtoms(a, mine, b, wanted) == 0
    }

    /// Hashes what equality looks at: each part without its trailing zero runs, without trailing empty parts,
    /// so that `1.0`, `1.0.0` and `1` hash alike.
    public func hash(into hasher: inout Hasher) {
        withView { view in
            Self.hashParts(view, 0, view.localStart, into: &hasher)
            hasher.combine(UInt8(0xFF))
            Self.hashParts(view, view.localStart, view.count, into: &hasher)
        }
    }

    private static func hashParts(_ view: View, _ start: Int, _ end: Int, into hasher: inout Hasher) {
        let atoms = view.atoms
        // The end of the last part that has a run other than 0.
        var significantEnd = start
        var partStart = start
        for index in start..<end where atoms[index].isLast {
            if (partStart...index).contains(where: { !atoms[$0].isZero }) { significantEnd = index + 1 }
            partStart = index + 1
        }
        partStart = start
        for index in start..<significantEnd where atoms[index].isLast {
            var last = index
            while last >= partStart && atoms[last].isZero { last -= 1 }
            if last >= partStart {
                for position in partStart...last {
                    let atom = atoms[position]
                    hasher.combine(atom.kind)
                    switch atom.kind {
                    case Atom.longString, Atom.big: hasher.combine(view.extra(atom))
                    default: hasher.combine(atom.value)
                    }
                }
            }
            hasher.combine(UInt8(0xFE))
            partStart = index + 1
        }
    }

    /// The version parts (epoch first) as conda's `VersionOrder.version` shows them: numbers, strings (`DEV`
    /// for dev), `inf` for post. For tests and debugging.
    var condaParts: [[String]] {
        withView { view in
            var parts: [[String]] = [[]]
            for index in 0..<view.localStart {
                let atom = view.atoms[index]
                switch atom.kind {
                case Atom.number: parts[parts.count - 1].append(String(atom.value))
                case Atom.post: parts[parts.count - 1].append("inf")
                case Atom.big: parts[parts.count - 1].append(view.extra(atom))
                default: parts[parts.count - 1].append(view.string(atom))
                }
                if atom.isLast { parts.append([]) }
            }
            parts.removeLast()
            return parts
        }
    }

    // MARK: Parsing

    /// Reads a version text into runs and parts; `check` reports what conda would refuse.
    struct Parser {
        /// The trimmed text, lower-cased ASCII; a non-ASCII character is 0xFF.
        var bytes: [UInt8]
        /// Offset of `bytes[0]` in the text as given.
        var leading: Int
        var atoms: [Atom] = []
        var extras: [String] = []
        var localStart = 0

        init(_ text: String) {
            let utf8 = text.utf8
            if utf8.allSatisfy({ $0 < 0x80 }) {
                var start = utf8.startIndex
                var end = utf8.endIndex
                while start < end && Self.isSpace(utf8[start]) { start = utf8.index(after: start) }
                while end > start && Self.isSpace(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
                bytes = utf8[start..<end].map { (65...90).contains($0) ? $0 + 32 : $0 }
                leading = utf8.distance(from: utf8.startIndex, to: start)
            } else {
                let characters = Array(text)
                var start = 0
                var end = characters.count
                while start < end && characters[start].isWhitespace { start += 1 }
                while end > start && characters[end - 1].isWhitespace { end -= 1 }
                bytes = characters[start..<end].map { character in
                    guard let ascii = character.asciiValue else { return 0xFF }
                    return (65...90).contains(ascii) ? ascii + 32 : ascii
                }
                leading = start
            }
        }

        static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
        static func isLetter(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte) }

        static let bang = UInt8(ascii: "!")
        static let plus = UInt8(ascii: "+")
        static let dot = UInt8(ascii: ".")
        static let underscore = UInt8(ascii: "_")
        static let dash = UInt8(ascii: "-")
        static let star = UInt8(ascii: "*")

        func problem(_ index: Int, _ found: String, _ expected: String) -> Problem {
            Problem(offset: leading + index, found: found, expected: expected)
        }

        func character(_ index: Int) -> String {
            bytes[index] == 0xFF ? "non-ASCII character" : "“\(Character(Unicode.Scalar(bytes[index])))”"
        }

        /// What conda's `VersionOrder.__init__` would raise for this text, if anything; on success `-` has
        /// been turned into `_` where conda does so.
        mutating func check() -> Problem? {
            let count = bytes.count
            guard count > 0 else { return problem(0, "unexpected end", "expected a version") }
            let hasUnderscore = bytes.contains(Self.underscore)
            for (index, byte) in bytes.enumerated() {
                if Self.isLetter(byte) || Self.isDigit(byte) || byte == Self.dot || byte == Self.underscore
                    || byte == Self.plus || byte == Self.bang || byte == Self.star
                {
                    continue
                }
                if byte == Self.dash {
                    if hasUnderscore {
                        return problem(index, "unexpected “-”", "a version cannot use both “-” and “_” as separators")
                    }
                    continue
                }
                return problem(
                    index, "unexpected \(character(index))",
                    "a version may only contain letters, digits, “.”, “_”, “-”, “+”, “!” and “*”")
            }
            if !hasUnderscore { bytes = bytes.map { $0 == Self.dash ? Self.underscore : $0 } }
            let bangs = bytes.indices.filter { bytes[$0] == Self.bang }
            if bangs.count > 1 { return problem(bangs[1], "a second “!”", "a version has at most one epoch") }
            var mainStart = 0
            if let bang = bangs.first {
                if bang == 0 { return problem(0, "“!” without an epoch", "expected a whole number before “!”") }
                if let bad = bytes[0..<bang].firstIndex(where: { !Self.isDigit($0) }) {
                    return problem(bad, "unexpected \(character(bad))", "the epoch before “!” must be a whole number")
                }
                mainStart = bang + 1
            }
            let pluses = bytes[mainStart...].indices.filter { bytes[$0] == Self.plus }
            if pluses.count > 1 {
                return problem(pluses[1], "a second “+”", "a version has at most one local part")
            }
            let mainEnd = pluses.first ?? count
            if mainEnd == mainStart {
                return pluses.isEmpty
                    ? problem(mainStart, "unexpected end", "expected a version after “!”")
                    : problem(mainStart, "“+”", "expected a version before the local part")
            }
            for (start, end) in mainPartRanges(mainStart, mainEnd) where start == end {
                return problem(
                    start, start < count ? "unexpected \(character(start))" : "unexpected end",
                    "expected a version part (two separators in a row, or one at an end)")
            }
            if let plus = pluses.first {
                for (start, end) in split(plus + 1, count) where start == end {
                    return problem(
                        start, start < count ? "unexpected \(character(start))" : "unexpected end",
                        "expected a local version part after “+”")
                }
            }
            return nil
        }

        /// Ranges of the version parts between `start` and `end`: split at `.` and `_`, a trailing `_` staying
        /// on the last part (conda's openssl convention).
        func mainPartRanges(_ start: Int, _ end: Int) -> [(Int, Int)] {
            if bytes[end - 1] == Self.underscore {
                var parts = split(start, end - 1)
                parts[parts.count - 1].1 = end
                return parts
            }
            return split(start, end)
        }

        func split(_ start: Int, _ end: Int) -> [(Int, Int)] {
            var parts: [(Int, Int)] = []
            var partStart = start
            for index in start..<end where bytes[index] == Self.dot || bytes[index] == Self.underscore {
                parts.append((partStart, index))
                partStart = index + 1
            }
            parts.append((partStart, end))
            return parts
        }

        /// Conda's reading of a text `check` accepted.
        mutating func parse() {
            var mainStart = 0
            if let bang = bytes.firstIndex(of: Self.bang) {
                appendPart(0, bang)
                mainStart = bang + 1
            } else {
                atoms.append(Atom(tag: Atom.number | Atom.lastInPart, value: 0))
            }
            let plus = bytes[mainStart...].firstIndex(of: Self.plus)
            for (start, end) in mainPartRanges(mainStart, plus ?? bytes.count) { appendPart(start, end) }
            localStart = atoms.count
            if let plus {
                for (start, end) in split(plus + 1, bytes.count) { appendPart(start, end) }
            }
        }

        /// A reading of text conda refuses: an epoch only when it is a number, parts split at anything that is
        /// not a letter, digit or `*`, empty parts skipped.
        mutating func parseLeniently() {
            var mainStart = 0
            if let bang = bytes.firstIndex(of: Self.bang), bang > 0, bytes[0..<bang].allSatisfy(Self.isDigit) {
                appendPart(0, bang)
                mainStart = bang + 1
            } else {
                atoms.append(Atom(tag: Atom.number | Atom.lastInPart, value: 0))
            }
            let plus = bytes[mainStart...].firstIndex(of: Self.plus) ?? bytes.count
            appendLenientParts(mainStart, plus)
            localStart = atoms.count
            if plus < bytes.count { appendLenientParts(plus + 1, bytes.count) }
        }

        mutating func appendLenientParts(_ start: Int, _ end: Int) {
            var partStart = start
            for index in start...end {
                let byte = index < end ? bytes[index] : Self.dot
                if Self.isLetter(byte) || Self.isDigit(byte) || byte == Self.star || byte == 0xFF { continue }
                if index > partStart { appendPart(partStart, index) }
                partStart = index + 1
            }
        }

        /// Appends the runs of `bytes[start..<end]` as one part: digits, `*`s and other characters each form
        /// runs; a part that does not start with a digit gets a leading 0.
        mutating func appendPart(_ start: Int, _ end: Int) {
            if start < end && !Self.isDigit(bytes[start]) { atoms.append(Atom.zero) }
            var runStart = start
            while runStart < end {
                let kind = Self.kind(bytes[runStart])
                var runEnd = runStart + 1
                while runEnd < end && Self.kind(bytes[runEnd]) == kind { runEnd += 1 }
                atoms.append(atom(runStart, runEnd, kind))
                runStart = runEnd
            }
            let last = atoms[atoms.count - 1]
            atoms[atoms.count - 1] = Atom(tag: last.tag | Atom.lastInPart, value: last.value)
        }

        static func kind(_ byte: UInt8) -> Int { isDigit(byte) ? 0 : (byte == star ? 1 : 2) }

        mutating func atom(_ start: Int, _ end: Int, _ kind: Int) -> Atom {
            let run = bytes[start..<end]
            if kind == 0 {
                var first = start
                while first < end - 1 && bytes[first] == 0x30 { first += 1 }
                if end - first <= 19 {
                    var value: UInt64 = 0
                    for index in first..<end { value = value * 10 + UInt64(bytes[index] - 0x30) }
                    return Atom(tag: Atom.number, value: value)
                }
                extras.append(String(decoding: bytes[first..<end], as: UTF8.self))
                return Atom(tag: Atom.big, value: UInt64(extras.count - 1))
            }
            if run.elementsEqual("post".utf8) { return Atom(tag: Atom.post, value: 0) }
            if run.elementsEqual("dev".utf8) { return Atom(tag: Atom.shortString, value: Atom.packed("DEV".utf8)) }
            if run.count <= 8 { return Atom(tag: Atom.shortString, value: Atom.packed(run)) }
            extras.append(String(decoding: run, as: UTF8.self))
            return Atom(tag: Atom.longString, value: UInt64(extras.count - 1))
        }
    }
}
