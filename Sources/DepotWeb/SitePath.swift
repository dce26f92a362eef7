import DepotCore
import Foundation

/// Every page's path, used by the router's links and the view models so a renamed path leaves no dead link.
/// Channel pages put actions after `/-/` because channel names never start with `-`.
public enum SitePath {
    public static let home = "/"
    public static let login = "/login"
    public static let logout = "/logout"
    public static let channels = "/channels"
    public static let newChannel = "/channels/-/new"
    public static let orgs = "/orgs"
    public static let adminUsers = "/admin/users"
    public static let tokens = "/account/tokens"
    public static let help = "/help"

    public static func login(next: String) -> String {
        "/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? "/")
    }

    public static func channels(filter: String) -> String {
        "/channels?q=" + (filter.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? "")
    }

    public static func channel(_ fullName: String) -> String { "/channels/\(fullName)" }
    public static func channel(_ fullName: String, _ action: String) -> String { "/channels/\(fullName)/-/\(action)" }

    public static func org(_ name: String) -> String { "/orgs/\(name)" }
    public static func org(_ name: String, _ page: String) -> String { "/orgs/\(name)/\(page)" }
    public static func role(_ org: String, _ id: Int64) -> String { "/orgs/\(org)/roles/\(id)" }
    public static func policy(_ org: String, _ id: Int64) -> String { "/orgs/\(org)/policies/\(id)" }

    public static func helpPage(_ name: String) -> String { "/help/\(name)" }

    /// A `next=` target is followed only when it is a path on this site.
    public static func safeNext(_ next: String) -> String {
        guard next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"), !next.contains("\r"), !next.contains("\n") else {
            return channels
        }
        return next
    }
}

extension CharacterSet {
    static let urlQueryValueAllowed: CharacterSet = {
        var set = CharacterSet.urlQueryAllowed
        set.remove(charactersIn: "&=+?#")
        return set
    }()
}
