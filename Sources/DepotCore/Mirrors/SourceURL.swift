import Foundation

/// An upstream URL as a user typed it, checked: http(s), a host, no fragment; without trailing slash.
/// Credentials in it (a `/t/<TOKEN>/` segment or `user:password@`) are kept but never shown: use `redacted`.
public struct SourceURL: Sendable, Equatable, CustomStringConvertible {
    public let value: String

    public init(validating text: String) throws(SourceURLError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .empty }
        guard trimmed.count <= 2048 else { throw .tooLong }
        guard !trimmed.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7f }) else { throw .invalidCharacters }
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased() else {
            throw .notAURL
        }
        guard scheme == "http" || scheme == "https" else { throw .scheme(scheme) }
        guard let host = components.host, !host.isEmpty else { throw .noHost }
        guard components.fragment == nil else { throw .fragment }
        guard components.query == nil else { throw .query }
        var value = trimmed
        while value.hasSuffix("/") { value.removeLast() }
        self.value = value
    }

    /// The URL with tokens and passwords masked, safe for pages, logs and error messages.
    public var redacted: String { Redaction.url(value) }
    public var description: String { redacted }

    /// `value` + "/" + a relative path.
    public func appending(_ path: String) -> String { value + "/" + path }
}

public enum SourceURLError: Error, Equatable, Sendable {
    case empty, tooLong, invalidCharacters, notAURL, scheme(String), noHost, fragment, query

    public var message: String {
        switch self {
        case .empty: "Enter the URL of the upstream repository."
        case .tooLong: "The URL is longer than 2048 characters."
        case .invalidCharacters: "The URL contains spaces or control characters."
        case .notAURL: "This is not a URL; it should look like https://conda.example.org/channel."
        case .scheme(let scheme): "Only http and https URLs can be mirrored, not “\(scheme)”."
        case .noHost: "The URL has no host name."
        case .fragment: "Remove the “#…” part of the URL."
        case .query: "Remove the “?…” part of the URL."
        }
    }
}
