import DepotCore
import Foundation
import GRDB

/// A member of an organisation with the name of their role, for the Members page.
public struct MemberRow: Sendable, Equatable, Decodable, FetchableRecord {
    public var userID: Int64
    public var userName: String
    public var builtInRole: String?
    public var customRoleID: Int64?
    public var customRoleName: String?

    public var roleKey: String { builtInRole ?? "custom:\(customRoleID ?? 0)" }
    public var roleTitle: String {
        if let builtInRole { return BuiltInRole(rawValue: builtInRole)?.title ?? builtInRole }
        return customRoleName ?? "?"
    }
}

/// A role a member can be given: built-in (`owner`) or custom (`custom:12`).
public enum RoleRef: Sendable, Equatable {
    case builtIn(BuiltInRole)
    case custom(Int64)

    public init?(key: String) {
        if let role = BuiltInRole(rawValue: key) {
            self = .builtIn(role)
        } else if key.hasPrefix("custom:"), let id = Int64(key.dropFirst(7)) {
            self = .custom(id)
        } else {
            return nil
        }
    }

    public var key: String {
        switch self {
        case .builtIn(let role): role.rawValue
        case .custom(let id): "custom:\(id)"
        }
    }
}

extension AppDatabase {
    public func orgs() async throws -> [OrgRecord] {
        try await reader.read { db in try OrgRecord.order(OrgRecord.Columns.name).fetchAll(db) }
    }

    public func org(named name: String) async throws -> OrgRecord? {
        try await reader.read { db in try OrgRecord.filter(OrgRecord.Columns.name == name).fetchOne(db) }
    }

    public func org(id: Int64) async throws -> OrgRecord? {
        try await reader.read { db in try OrgRecord.fetchOne(db, key: id) }
    }

    public func createOrg(name: String, by actor: AuditActor) async throws -> OrgRecord {
        if let message = NameRules.checkSlug(name, what: "organisation") {
            throw StoreError.invalid(ValidationErrors(field: "name", message: message))
        }
        return try await writer.write { db in
            if try OrgRecord.filter(OrgRecord.Columns.name == name).fetchCount(db) > 0 {
                throw StoreError.duplicate(field: "name", message: "An organisation named “\(name)” already exists.")
            }
            var org = OrgRecord(id: nil, name: name, createdAt: Date())
            try org.insert(db)
            try Self.audit(db, actor, org: org.id, action: "org.create", target: "organisation \(name)")
            return org
        }
    }

    // MARK: Members

    public func members(of org: Int64) async throws -> [MemberRow] {
        try await reader.read { db in
            try MemberRow.fetchAll(
                db,
                sql: """
                    SELECT m.userID, u.name AS userName, m.builtInRole, m.customRoleID, r.name AS customRoleName
                    FROM memberships m JOIN users u ON u.id = m.userID
                    LEFT JOIN custom_roles r ON r.id = m.customRoleID
                    WHERE m.orgID = ? ORDER BY u.name
                    """,
                arguments: [org])
        }
    }

    /// Adds `userName` to the organisation with `role`, or changes their role when already a member.
    public func setMember(org: Int64, userName: String, role: RoleRef, by actor: AuditActor) async throws {
        try await writer.write { db in
            guard let orgRecord = try OrgRecord.fetchOne(db, key: org) else { throw StoreError.notFound("organisation") }
            guard let user = try UserRecord.filter(UserRecord.Columns.name == userName).fetchOne(db), let userID = user.id
            else {
                throw StoreError.invalid(ValidationErrors(field: "user", message: "There is no user named “\(userName)”."))
            }
            var membership = MembershipRecord(
                userID: userID, orgID: org, builtInRole: nil, customRoleID: nil, createdAt: Date())
            let roleTitle: String
            switch role {
            case .builtIn(let builtIn):
                membership.builtInRole = builtIn.rawValue
                roleTitle = builtIn.title
            case .custom(let id):
                guard let custom = try CustomRoleRecord.fetchOne(db, key: id), custom.orgID == org else {
                    throw StoreError.invalid(ValidationErrors(field: "role", message: "Choose one of the listed roles."))
                }
                membership.customRoleID = id
                roleTitle = custom.name
            }
            let existed = try MembershipRecord.fetchOne(db, key: ["userID": userID, "orgID": org]) != nil
            try membership.upsert(db)
            try Self.audit(
                db, actor, org: org, action: existed ? "member.role" : "member.add",
                target: "user \(user.name)", details: "role \(roleTitle) in \(orgRecord.name)")
        }
    }

    public func removeMember(org: Int64, userID: Int64, by actor: AuditActor) async throws {
        try await writer.write { db in
            guard let user = try UserRecord.fetchOne(db, key: userID),
                  try MembershipRecord.deleteOne(db, key: ["userID": userID, "orgID": org])
            else { throw StoreError.notFound("member") }
            try Self.audit(db, actor, org: org, action: "member.remove", target: "user \(user.name)")
        }
    }

    // MARK: Custom roles

    public func customRoles(of org: Int64) async throws -> [CustomRoleRecord] {
        try await reader.read { db in
            try CustomRoleRecord.filter(CustomRoleRecord.Columns.orgID == org)
                .order(CustomRoleRecord.Columns.name).fetchAll(db)
        }
    }

    /// Creates a custom role, or updates it when `id` is given.
    @discardableResult
    public func saveCustomRole(
        id: Int64?, org: Int64, name: String, grants: RoleGrants, by actor: AuditActor
    ) async throws -> CustomRoleRecord {
        let name = name.trimmingCharacters(in: .whitespaces)
        if let message = NameRules.checkRoleName(name) {
            throw StoreError.invalid(ValidationErrors(field: "name", message: message))
        }
        if BuiltInRole.allCases.contains(where: { $0.title.lowercased() == name.lowercased() }) {
            throw StoreError.duplicate(field: "name", message: "“\(name)” is a built-in role; choose another name.")
        }
        return try await writer.write { db in
            let clash = try CustomRoleRecord
                .filter(CustomRoleRecord.Columns.orgID == org && CustomRoleRecord.Columns.name == name)
                .fetchOne(db)
            if let clash, clash.id != id {
                throw StoreError.duplicate(field: "name", message: "This organisation already has a role named “\(name)”.")
            }
            var role: CustomRoleRecord
            if let id {
                guard let existing = try CustomRoleRecord.fetchOne(db, key: id), existing.orgID == org else {
                    throw StoreError.notFound("role")
                }
                role = existing
                role.name = name
                role.grants = grants.encoded
                try role.update(db)
            } else {
                role = CustomRoleRecord(id: nil, orgID: org, name: name, grants: grants.encoded, createdAt: Date())
                try role.insert(db)
            }
            try Self.audit(
                db, actor, org: org, action: id == nil ? "role.create" : "role.update",
                target: "role \(name)", details: grants.encoded)
            return role
        }
    }

    public func deleteCustomRole(id: Int64, org: Int64, by actor: AuditActor) async throws {
        try await writer.write { db in
            guard let role = try CustomRoleRecord.fetchOne(db, key: id), role.orgID == org else {
                throw StoreError.notFound("role")
            }
            let users = try MembershipRecord.filter(MembershipRecord.Columns.customRoleID == id).fetchCount(db)
            if users > 0 {
                throw StoreError.conflict(
                    "The role “\(role.name)” is given to \(users) member\(users == 1 ? "" : "s"); give them another role first.")
            }
            try role.delete(db)
            try Self.audit(db, actor, org: org, action: "role.delete", target: "role \(role.name)")
        }
    }

    // MARK: Principal

    /// What `user` may do, in every organisation they belong to.
    public func principal(for user: UserRecord) async throws -> Principal {
        guard let userID = user.id else { return .anonymous }
        let rows = try await reader.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT m.orgID, m.builtInRole, r.grants FROM memberships m
                    LEFT JOIN custom_roles r ON r.id = m.customRoleID WHERE m.userID = ?
                    """,
                arguments: [userID])
        }
        var grants: [Int64: RoleGrants] = [:]
        for row in rows {
            let org: Int64 = row["orgID"]
            if let key: String = row["builtInRole"], let role = BuiltInRole(rawValue: key) {
                grants[org] = role.grants
            } else if let encoded: String = row["grants"] {
                grants[org] = (try? RoleGrants(encoded: encoded)) ?? RoleGrants()
            }
        }
        return Principal(userID: userID, userName: user.name, isAdmin: user.isAdmin, grants: grants)
    }
}

/// One organisation a user belongs to, with their role's title.
public struct UserMembership: Sendable, Equatable {
    public let orgID: Int64
    public let roleTitle: String
}

extension AppDatabase {
    public func members(ofUser userID: Int64) async throws -> [UserMembership] {
        try await reader.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT m.orgID, m.builtInRole, r.name AS customName FROM memberships m
                    LEFT JOIN custom_roles r ON r.id = m.customRoleID WHERE m.userID = ?
                    """,
                arguments: [userID]
            ).map { row in
                let key: String? = row["builtInRole"]
                let title = key.flatMap { BuiltInRole(rawValue: $0)?.title } ?? (row["customName"] as String?) ?? "?"
                return UserMembership(orgID: row["orgID"], roleTitle: title)
            }
        }
    }
}
