/// An R package version as `package_version()` orders it: non-negative integers separated by `.` or `-`,
/// compared component by component as numbers (`1.10 > 1.9`, `1.0-1 == 1.0.1`, `01.2 == 1.2`); a missing
/// component counts as zero, so `1.0 == 1.0.0` and `1.0 < 1.0.1` (R 4.2 answers the same).
///
/// `init` takes what `tools:::.valid_package_version_regexp` accepts in a DESCRIPTION or PACKAGES file: at
/// least two components ("Writing R Extensions": "a sequence of at least two (and usually three) non-negative
/// integers separated by single ‘.’ or ‘-’ characters"). Components may have any number of digits; they are
/// compared without converting to a fixed-width integer, so hostile input cannot overflow.
public struct RPackageVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The version as written.
    public let text: String
    /// The numeric components without leading zeros (`"0"` for zero).
    public let components: [String]

    public init?(_ text: String) {
        self.init(text, minimumComponents: 2)
    }

    /// Also one-component versions (`2`, `1998`), as R's `numeric_version` and licence versions allow.
    init?(_ text: String, minimumComponents: Int) {
        var components: [String] = []
        var current = ""
        var previousWasSeparator = true
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                current.unicodeScalars.append(Unicode.Scalar(byte))
                previousWasSeparator = false
            case UInt8(ascii: "."), UInt8(ascii: "-"):
                if previousWasSeparator { return nil }
                components.append(Self.stripLeadingZeros(current))
                current = ""
                previousWasSeparator = true
            default:
                return nil
            }
        }
        if previousWasSeparator { return nil }
        components.append(Self.stripLeadingZeros(current))
        guard components.count >= minimumComponents else { return nil }
        self.text = text
        self.components = components
    }

    public var description: String { text }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.significant == rhs.significant }

    public func hash(into hasher: inout Hasher) { hasher.combine(significant) }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        let count = max(lhs.components.count, rhs.components.count)
        for index in 0..<count {
            let a = index < lhs.components.count ? lhs.components[index] : "0"
            let b = index < rhs.components.count ? rhs.components[index] : "0"
            if a != b { return numericLess(a, b) }
        }
        return false
    }

    /// The components without trailing zeros, which do not change the order.
    private var significant: ArraySlice<String> {
        var end = components.count
        while end > 0, components[end - 1] == "0" { end -= 1 }
        return components[..<end]
    }

    /// `a < b` for two digit strings without leading zeros.
    static func numericLess(_ a: String, _ b: String) -> Bool {
        let (ca, cb) = (a.utf8.count, b.utf8.count)
        return ca != cb ? ca < cb : a < b
    }

    static func stripLeadingZeros(_ digits: String) -> String {
        let stripped = digits.drop(while: { $0 == "0" })
        return stripped.isEmpty ? "0" : String(stripped)
    }
}
