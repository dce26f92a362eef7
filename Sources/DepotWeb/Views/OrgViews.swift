import DepotCore
import DepotStore
import Foundation

struct OrgRow: Sendable {
    let name: String
    let url: String
    let role: String
}

struct OrgListPage: Sendable {
    let site: Site
    let title = "Organisations"
    let orgs: [OrgRow]
    let canCreate: Bool
    let name: String
    let errors: FieldErrors
}

struct MemberView: Sendable {
    let userName: String
    let role: String
    let removeURL: String
}

struct OrgPage: Sendable {
    let site: Site
    let title: String
    let name: String
    let channels: [ChannelRow]
    let canSeeMembers: Bool
    let members: [MemberView]
    let canAddMembers: Bool
    let canManageMembers: Bool
    let membersURL: String
    let rolesURL: String
    let auditURL: String
    let canSeeAudit: Bool
    let policiesURL: String
    let canSeePolicies: Bool
    let newChannelURL: String
    let canCreateChannel: Bool
    let roleOptions: [SelectOption]
    let formUser: String
    let errors: FieldErrors
}

/// One row of a role grid: a category and the four levels, one of them chosen.
struct GridRow: Sendable {
    struct Cell: Sendable {
        let value: String
        let title: String
        let checked: Bool
    }
    let field: String
    let title: String
    let cells: [Cell]
    let levelTitle: String

    init(category: PermissionCategory, level: PermissionLevel) {
        field = "level_" + category.rawValue
        title = category.title
        cells = PermissionLevel.allCases.map { Cell(value: $0.name, title: $0.title, checked: $0 == level) }
        levelTitle = level.title
    }

    static func grid(_ grants: RoleGrants) -> [GridRow] {
        PermissionCategory.allCases.map { GridRow(category: $0, level: grants[$0]) }
    }
}

struct RoleView: Sendable {
    let name: String
    let builtIn: Bool
    let editURL: String
    let grid: [GridRow]
}

struct RolesPage: Sendable {
    let site: Site
    let title: String
    let orgName: String
    let orgURL: String
    let roles: [RoleView]
    let canManage: Bool
    let levelTitles: [String]
}

struct RoleFormPage: Sendable {
    let site: Site
    let title: String
    let orgName: String
    let action: String
    let cancelURL: String
    let deleteURL: String?
    let name: String
    let grid: [GridRow]
    let levelTitles: [String]
    let errors: FieldErrors
}

struct AuditRow: Sendable {
    let at: String
    let actor: String
    let org: String
    let action: String
    let target: String
    let details: String
}

struct AuditPage: Sendable {
    let site: Site
    let title: String
    let orgName: String?
    let entries: [AuditRow]
    let olderURL: String?
}
