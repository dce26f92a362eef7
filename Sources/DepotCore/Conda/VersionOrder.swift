/// Orders conda version strings the way conda does, in outline: an optional epoch (`1!`), dot-separated
/// components that split into numbers and letters, `dev` below every other string, `post` above everything,
/// numbers above strings, missing trailing components equal to zero, and a local part after `+` as a tie-break.
/// (Used for “latest version” in channeldata; MatchSpec work extends it.)
public enum VersionOrder {
    enum Part: Comparable {
        case dev
        case string(String)
        case number(Int)
        case post

        static func < (a: Part, b: Part) -> Bool { a.rank < b.rank || (a.rank == b.rank && a.lessInRank(b)) }

        var rank: Int {
            switch self {
            case .dev: 0
            case .string: 1
            case .number: 2
            case .post: 3
            }
        }

        func lessInRank(_ other: Part) -> Bool {
            switch (self, other) {
            case let (.string(a), .string(b)): a < b
            case let (.number(a), .number(b)): a < b
            default: false
            }
        }
    }

    struct Parsed {
        var epoch: Int
        var main: [[Part]]
        var local: [[Part]]
    }

    static func parse(_ text: String) -> Parsed {
        var s = text.utf8.contains(where: { (65...90).contains($0) || $0 == 0x20 }) ? text.lowercased().trimmingCharacters(in: .whitespaces) : text
        var epoch = 0
        if let bang = s.firstIndex(of: "!"), let e = Int(s[..<bang]) {
            epoch = e
            s = String(s[s.index(after: bang)...])
        }
        var local = ""
        if let plus = s.firstIndex(of: "+") {
            local = String(s[s.index(after: plus)...])
            s = String(s[..<plus])
        }
        return Parsed(epoch: epoch, main: components(s), local: components(local))
    }

    static func components(_ s: String) -> [[Part]] {
        guard !s.isEmpty else { return [] }
        return s.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "." || $0 == "_" || $0 == "-" }).map { component in
            var parts: [Part] = []
            var current = ""
            var currentIsDigit: Bool?
            func flush() {
                guard !current.isEmpty else { return }
                if currentIsDigit == true {
                    parts.append(.number(Int(current) ?? Int.max))
                } else {
                    parts.append(current == "dev" ? .dev : current == "post" ? .post : .string(current))
                }
                current = ""
            }
            for ch in component {
                let isDigit = ch.isASCII && ch.isNumber
                if currentIsDigit != nil && currentIsDigit != isDigit { flush() }
                currentIsDigit = isDigit
                current.append(ch)
            }
            flush()
            // A component that starts with letters sorts as if it had a leading 0 (1.0a1 → 1, 0a1).
            if let first = parts.first, case .number = first {} else { parts.insert(.number(0), at: 0) }
            return parts
        }
    }

    static func compare(_ a: [[Part]], _ b: [[Part]]) -> Int {
        let count = Swift.max(a.count, b.count)
        for i in 0..<count {
            let x = i < a.count ? a[i] : [.number(0)]
            let y = i < b.count ? b[i] : [.number(0)]
            let inner = Swift.max(x.count, y.count)
            for j in 0..<inner {
                let p = j < x.count ? x[j] : .number(0)
                let q = j < y.count ? y[j] : .number(0)
                if p < q { return -1 }
                if q < p { return 1 }
            }
        }
        return 0
    }

    public static func isLess(_ a: String, _ b: String) -> Bool {
        isLess(parse(a), parse(b))
    }

    static func isLess(_ x: Parsed, _ y: Parsed) -> Bool {
        if x.epoch != y.epoch { return x.epoch < y.epoch }
        let main = compare(x.main, y.main)
        if main != 0 { return main < 0 }
        return compare(x.local, y.local) < 0
    }

    /// The highest of `versions`, parsing each once.
    public static func max(_ versions: some Sequence<String>) -> String? {
        var best: (text: String, parsed: Parsed)?
        for version in versions {
            let parsed = parse(version)
            if let current = best, !isLess(current.parsed, parsed) { continue }
            best = (version, parsed)
        }
        return best?.text
    }
}
