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
        migrator.registerMigration("v2-conda-mirrors") { db in
            try db.create(table: "mirrors") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("channel", inTable: "channels", onDelete: .cascade).notNull()
                t.column("name", .text).notNull()
                t.column("type", .text).notNull()
                t.column("mode", .text).notNull()
                t.column("sourceURL", .text).notNull()
                t.column("subdirs", .text).notNull().defaults(to: "")
                t.column("cron", .text).notNull()
                t.column("status", .text).notNull().defaults(to: "")
                t.column("step", .text).notNull().defaults(to: "")
                t.column("statusDescription", .text).notNull().defaults(to: "")
                t.column("progressDone", .integer).notNull().defaults(to: 0)
                t.column("progressTotal", .integer).notNull().defaults(to: 0)
                t.column("progressBytes", .integer).notNull().defaults(to: 0)
                t.column("lastCompletedAt", .datetime)
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.uniqueKey(["channelID", "name"])
            }
            try db.create(table: "mirror_runs") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("mirror", inTable: "mirrors", onDelete: .cascade).notNull()
                t.column("status", .text).notNull().indexed()
                t.column("trigger", .text).notNull()
                t.column("queuedAt", .datetime).notNull()
                t.column("startedAt", .datetime)
                t.column("finishedAt", .datetime)
                t.column("error", .text)
                t.column("sourceCount", .integer).notNull().defaults(to: 0)
                t.column("keptCount", .integer).notNull().defaults(to: 0)
                t.column("filteredCount", .integer).notNull().defaults(to: 0)
                t.column("downloadedCount", .integer).notNull().defaults(to: 0)
                t.column("downloadedBytes", .integer).notNull().defaults(to: 0)
            }
            try db.create(table: "run_filtered") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("run", inTable: "mirror_runs", onDelete: .cascade).notNull()
                t.column("subdir", .text).notNull()
                t.column("filename", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("detail", .text).notNull().defaults(to: "")
            }
            try db.create(table: "packages") { t in
                t.autoIncrementedPrimaryKey("id")
                // The unique key below starts with channelID, so it serves channel lookups: no index of its own.
                t.belongsTo("channel", inTable: "channels", onDelete: .cascade, indexed: false).notNull()
                t.belongsTo("mirror", inTable: "mirrors", onDelete: .cascade)
                t.column("subdir", .text).notNull()
                t.column("filename", .text).notNull()
                t.column("name", .text).notNull()
                t.column("version", .text).notNull()
                t.column("build", .text).notNull()
                t.column("size", .integer)
                t.column("sha256", .text).indexed()
                t.column("md5", .text)
                t.column("record", .text).notNull()
                t.column("mode", .text).notNull()
                t.column("upstreamURL", .text).notNull()
                t.column("blobSHA256", .text).indexed()
                t.column("createdAt", .datetime).notNull()
                t.uniqueKey(["channelID", "subdir", "filename"])
            }
            try db.create(index: "packages_on_channel_name", on: "packages", columns: ["channelID", "name"])
            try db.create(table: "subdir_indexes") { t in
                t.belongsTo("channel", inTable: "channels", onDelete: .cascade).notNull()
                t.column("subdir", .text).notNull()
                t.column("liveGeneration", .text).notNull()
                t.column("liveETag", .text).notNull()
                t.column("liveAt", .datetime).notNull()
                t.column("servedGeneration", .text).notNull()
                t.column("servedETag", .text).notNull()
                t.column("servedAt", .datetime).notNull()
                t.primaryKey(["channelID", "subdir"])
            }
            try db.create(table: "upstream_state") { t in
                t.belongsTo("mirror", inTable: "mirrors", onDelete: .cascade).notNull()
                t.column("subdir", .text).notNull()
                t.column("etag", .text)
                t.column("lastModified", .text)
                t.primaryKey(["mirrorID", "subdir"])
            }
        }
        migrator.registerMigration("v3-mirror-schedule") { db in
            try db.alter(table: "mirrors") { t in
                t.add(column: "nextRunAt", .datetime)
            }
        }
        migrator.registerMigration("v4-python-filters") { db in
            try db.alter(table: "mirrors") { t in
                t.add(column: "exclude", .text).notNull().defaults(to: "")
                t.add(column: "include", .text).notNull().defaults(to: "")
            }
        }
        migrator.registerMigration("v5-r-licence-filter") { db in
            try db.alter(table: "mirrors") { t in
                t.add(column: "licenseExclude", .text).notNull().defaults(to: "")
            }
        }
        migrator.registerMigration("v6-policies") { db in
            try db.create(table: "policies") { t in
                t.autoIncrementedPrimaryKey("id")
                t.belongsTo("org", inTable: "orgs", onDelete: .cascade).notNull()
                t.column("name", .text).notNull().collate(.nocase)
                t.column("description", .text).notNull().defaults(to: "")
                t.column("rules", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.uniqueKey(["orgID", "name"])
            }
            try db.alter(table: "channels") { t in
                t.add(column: "policyID", .integer).references("policies", onDelete: .restrict)
            }
            try db.alter(table: "mirrors") { t in
                t.add(column: "policyID", .integer).references("policies", onDelete: .restrict)
            }
            try db.alter(table: "mirror_runs") { t in
                t.add(column: "policyName", .text)
                t.add(column: "dependencyCount", .integer).notNull().defaults(to: 0)
            }
            try db.create(table: "run_reports") { t in
                t.primaryKey("runID", .integer).references("mirror_runs", onDelete: .cascade)
                t.column("report", .text).notNull()
            }
        }
        migrator.registerMigration("v7-run-filtered-index") { db in try AppDatabase.addRunDetailsIndex(db) }
        return migrator
    }
}
