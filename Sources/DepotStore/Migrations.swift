import GRDB

extension AppDatabase {
    /// Migrations are never edited once they have landed: add a new one instead.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            try db.create(table: "users") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique().collate(.nocase)
                t.column("passwordHash", .text).notNull()
                t.column("isAdmin", .boolean).notNull().defaults(to: false)
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "orgs") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique()
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "custom_roles") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("org", inTable: "orgs", onDelete: .cascade).notNull()
                t.column("name", .text).notNull().collate(.nocase)
                t.column("grants", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.uniqueKey(["orgID", "name"])
            }
            try db.create(table: "memberships") { t in
                t.belongsTo("user", inTable: "users", onDelete: .cascade).notNull()
                t.belongsTo("org", inTable: "orgs", onDelete: .cascade).notNull()
                t.column("builtInRole", .text)
                t.belongsTo("customRole", inTable: "custom_roles", onDelete: .restrict)
                t.column("createdAt", .datetime).notNull()
                t.primaryKey(["userID", "orgID"])
                t.check(sql: "(builtInRole IS NULL) <> (customRoleID IS NULL)")
            }
            try db.create(table: "channels") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("org", inTable: "orgs", onDelete: .restrict).notNull()
                t.belongsTo("parent", inTable: "channels", onDelete: .cascade)
                t.column("name", .text).notNull()
                t.column("fullName", .text).notNull().unique()
                t.column("description", .text).notNull().defaults(to: "")
                t.column("privacy", .text).notNull().check { ["public", "private"].contains($0) }
                t.column("frozen", .boolean).notNull().defaults(to: false)
                t.column("frozenAt", .datetime)
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
            try db.create(table: "sessions") { t in
                t.primaryKey("tokenHash", .text)
                t.belongsTo("user", inTable: "users", onDelete: .cascade).notNull()
                t.column("csrfToken", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("expiresAt", .datetime).notNull().indexed()
            }
            try db.create(table: "api_tokens") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("user", inTable: "users", onDelete: .cascade).notNull()
                t.column("name", .text).notNull()
                t.column("tokenHash", .text).notNull().unique()
                t.column("prefix", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("lastUsedAt", .datetime)
                t.column("revokedAt", .datetime)
            }
            try db.create(table: "audit_log") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .datetime).notNull()
                t.column("actorID", .integer)
                t.column("actorName", .text).notNull()
                t.column("orgID", .integer).indexed()
                t.column("action", .text).notNull()
                t.column("target", .text).notNull()
                t.column("details", .text).notNull().defaults(to: "")
            }
        }
        return migrator
    }
}
