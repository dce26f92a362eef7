import Foundation

/// An `application/x-www-form-urlencoded` body: every value of every field, in order.
public struct FormData: Sendable, Equatable {
    public private(set) var pairs: [(String, String)] = []

    public init() {}

    public init(encoded: String) {
        for part in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(kv[0])
            let value = kv.count > 1 ? Self.decode(kv[1]) : ""
            pairs.append((key, value))
        }
    }

    private static func decode(_ s: Substring) -> String {
        let spaced = s.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// The first value of `key`, or "" when absent.
    public subscript(key: String) -> String { pairs.first(where: { $0.0 == key })?.1 ?? "" }

    public func values(_ key: String) -> [String] { pairs.filter { $0.0 == key }.map(\.1) }

    public func has(_ key: String) -> Bool { pairs.contains(where: { $0.0 == key }) }

    /// A single-line text field, trimmed.
    public func text(_ key: String) -> String { self[key].trimmingCharacters(in: .whitespacesAndNewlines) }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.pairs.map(\.0) == rhs.pairs.map(\.0) && lhs.pairs.map(\.1) == rhs.pairs.map(\.1)
    }
}
