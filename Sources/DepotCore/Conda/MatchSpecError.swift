/// Why a MatchSpec (or a version spec) could not be read: the spec, the character offset of the problem and a
/// message in plain words, e.g. `unexpected “)” at 12: expected a version`.
public struct MatchSpecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The spec as written (trimmed).
    public let spec: String
    /// 0-based character offset of the problem in `spec` (`spec.count` for “at the end”).
    public let position: Int
    /// What is wrong at `position` and what was expected there.
    public let message: String

    public init(spec: String, position: Int, message: String) {
        self.spec = spec
        self.position = position
        self.message = message
    }

    /// `found` at `position`, then what was expected: `unexpected “)” at 12: expected a version`.
    init(spec: String, position: Int, found: String, expected: String) {
        self.init(spec: spec, position: position, message: "\(found) at \(position): \(expected)")
    }

    public var description: String { "invalid spec “\(spec)”: \(message)" }
}
