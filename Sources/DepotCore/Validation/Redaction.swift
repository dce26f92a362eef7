/// Removes secrets from text that goes to logs and pages: tokens in `/t/<TOKEN>/` paths and passwords in URLs.
public enum Redaction {
    public static let mask = "***"

    /// `https://user:secret@host/t/dpt_abc/api/repo/x` → `https://user:***@host/t/***/api/repo/x`.
    public static func url(_ text: String) -> String {
        var result = text
        // user:password@ in the authority
        if let schemeEnd = result.range(of: "://") {
            let afterScheme = result[schemeEnd.upperBound...]
            let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
            let authority = afterScheme[..<authorityEnd]
            if let at = authority.lastIndex(of: "@") {
                let userInfo = authority[..<at]
                let redacted = userInfo.firstIndex(of: ":").map { String(userInfo[..<$0]) + ":" + mask } ?? mask
                result.replaceSubrange(authority.startIndex..<at, with: redacted)
            }
        }
        return path(result)
    }

    /// Replaces the segment after `/t/` with the mask.
    public static func path(_ text: String) -> String {
        guard let range = text.range(of: "/t/") else { return text }
        let rest = text[range.upperBound...]
        let end = rest.firstIndex(of: "/") ?? rest.endIndex
        if rest[..<end].isEmpty { return text }
        return String(text[..<range.upperBound]) + mask + path(String(rest[end...]))
    }
}
