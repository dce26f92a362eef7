import DepotCore
import Foundation

/// What the layout around every page needs: who is signed in, the CSRF token for forms, a flash message.
public struct Site: Sendable {
    public let signedIn: Bool
    public let userName: String
    public let isAdmin: Bool
    public let csrf: String
    public let flash: String?
    public let section: String
    // Mustache reads stored properties only, so the menu's highlights are stored too.
    public let inChannels: Bool
    public let inOrgs: Bool
    public let inAdmin: Bool
    public let inHelp: Bool
    public let inAccount: Bool
    public let inMirrors: Bool

    public init(context: DepotContext, section: String) {
        signedIn = context.user != nil
        userName = context.user?.name ?? ""
        isAdmin = context.principal.isAdmin
        csrf = context.csrfToken
        flash = context.flash
        self.section = section
        inChannels = section == "channels"
        inOrgs = section == "orgs"
        inAdmin = section == "admin"
        inHelp = section == "help"
        inAccount = section == "account"
        inMirrors = section == "mirrors"
    }
}

/// A simple page: a title and a message (errors, confirmations).
struct MessagePage: Sendable {
    let site: Site
    let title: String
    let message: String
    let status: Int
    let showSignIn: Bool
}

/// Formats dates the same way on every page.
enum DisplayDate {
    static func string(_ date: Date?) -> String {
        guard let date else { return "" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter.string(from: date) + " UTC"
    }
}
