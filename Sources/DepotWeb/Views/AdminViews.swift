struct UserRow: Sendable {
    let name: String
    let isAdmin: Bool
    let createdAt: String
}

struct UsersPage: Sendable {
    let site: Site
    let title = "Users"
    let users: [UserRow]
    let name: String
    let isAdmin: Bool
    let errors: FieldErrors
    let auditURL = "/admin/audit"
}

struct TokenRow: Sendable {
    let name: String
    let prefix: String
    let createdAt: String
    let lastUsedAt: String
    let revoked: Bool
    let revokeURL: String
}

struct TokensPage: Sendable {
    let site: Site
    let title = "API tokens"
    let tokens: [TokenRow]
    /// Shown once, right after creation.
    let newToken: String?
    let newTokenName: String?
    let name: String
    let errors: FieldErrors
}

struct HelpPage: Sendable {
    let site: Site
    let title: String
    /// HTML made by libcmark from our own Markdown files (raw HTML in them is dropped).
    let body: String
    let pages: [HelpLink]
}

struct HelpLink: Sendable {
    let title: String
    let url: String
    let active: Bool
}
