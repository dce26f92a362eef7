import Foundation

/// The rules for names that appear in URLs: channels, organisations, users and roles.
public enum NameRules {
    public static let maxLength = 64

    /// Channel and organisation names: lowercase letters, digits, `-`, `_`, `.`;
    /// they start with a letter or digit so they can never be `.`/`..` or look like an option.
    public static func checkSlug(_ name: String, what: String) -> String? {
        if name.isEmpty { return "Enter a \(what) name." }
        if name.count > maxLength { return "A \(what) name has at most \(maxLength) characters." }
        guard let first = name.unicodeScalars.first, isLowerAlnum(first) else {
            return "A \(what) name starts with a lowercase letter or a digit."
        }
        if let bad = name.unicodeScalars.first(where: { !(isLowerAlnum($0) || "-_.".unicodeScalars.contains($0)) }) {
            let shown = bad.properties.isWhitespace ? "a space" : "“\(Character(bad))”"
            return "A \(what) name may contain only lowercase letters, digits, “-”, “_” and “.”; it contains \(shown)."
        }
        if name.hasSuffix(".") { return "A \(what) name cannot end with “.”." }
        return nil
    }

    /// User names: as slugs, but upper case letters are allowed and kept.
    public static func checkUserName(_ name: String) -> String? {
        checkSlug(name.lowercased(), what: "user")
    }

    /// Role names are shown, not put in URLs: 1–40 printable characters.
    public static func checkRoleName(_ name: String) -> String? {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return "Enter a role name." }
        if trimmed.count > 40 { return "A role name has at most 40 characters." }
        if trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "A role name cannot contain control characters."
        }
        return nil
    }

    private static func isLowerAlnum(_ s: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(s) || ("0"..."9").contains(s)
    }
}

