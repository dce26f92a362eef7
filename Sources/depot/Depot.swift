import ArgumentParser
import DepotCore
import DepotStore
import DepotWeb
import Foundation
import Hummingbird
import Logging

@main
struct Depot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "depot",
        abstract: "A self-hosted package channel server.",
        subcommands: [Serve.self, Migrate.self, UserCommand.self, OrgCommand.self, TokenCommand.self, MirrorCommand.self],
        defaultSubcommand: Serve.self)
}

/// Options every command shares: where the data lives.
struct DataOptions: ParsableArguments {
    @Option(help: "Data directory (database and package files). Env: DEPOT_DATA.")
    var data: String = ProcessInfo.processInfo.environment["DEPOT_DATA"] ?? "data"

    var dataURL: URL { URL(fileURLWithPath: data) }

    func openDatabase() throws -> AppDatabase {
        try FileManager.default.createDirectory(at: dataURL, withIntermediateDirectories: true)
        return try AppDatabase.open(path: AppConfig(dataDirectory: dataURL).databasePath)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the web server (the default command).")

    @Option(help: "Address to listen on. Env: DEPOT_HOST.")
    var host: String = ProcessInfo.processInfo.environment["DEPOT_HOST"] ?? "127.0.0.1"

    @Option(help: "Port to listen on. Env: DEPOT_PORT.")
    var port: Int = Int(ProcessInfo.processInfo.environment["DEPOT_PORT"] ?? "") ?? 8080

    @OptionGroup var dataOptions: DataOptions

    @Option(help: "Public URL clients use, e.g. https://depot.example.org. Env: DEPOT_PUBLIC_URL.")
    var publicURL: String? = ProcessInfo.processInfo.environment["DEPOT_PUBLIC_URL"]

    @Flag(help: "Re-read templates on every request (development).")
    var reload = false

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let config = AppConfig(
            host: host, port: port, dataDirectory: dataOptions.dataURL,
            adminPassword: env["DEPOT_ADMIN_PASSWORD"], publicURL: publicURL, reloadTemplates: reload,
            logLevel: Logger.Level(rawValue: env["DEPOT_LOG_LEVEL"] ?? "info") ?? .info,
            bcryptCost: UInt8(env["DEPOT_BCRYPT_COST"] ?? "") ?? 12)
        var settings = config
        if let concurrency = Int(env["DEPOT_DOWNLOAD_CONCURRENCY"] ?? ""), concurrency > 0 { settings.downloadConcurrency = concurrency }
        let app = try await buildApplication(settings)
        try await app.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database, then exit.")
    @OptionGroup var dataOptions: DataOptions

    func run() async throws {
        let database = try dataOptions.openDatabase()
        try database.close()
        print("database is up to date: \(AppConfig(dataDirectory: dataOptions.dataURL).databasePath)")
    }
}

/// Reads a password from standard input (one line), for `--password-stdin`.
func readPasswordFromStdin() throws -> String {
    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
        throw ValidationError("No password on standard input.")
    }
    return line
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage users.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user.")
        @Argument var name: String
        @Flag(help: "Read the password from standard input.") var passwordStdin = false
        @Flag(help: "Make the user an instance administrator.") var admin = false
        @OptionGroup var dataOptions: DataOptions

        func run() async throws {
            guard passwordStdin else { throw ValidationError("Give --password-stdin and the password on standard input.") }
            let password = try readPasswordFromStdin()
            if let message = Passwords.check(password) { throw ValidationError(message) }
            let database = try dataOptions.openDatabase()
            defer { try? database.close() }
            let cost = UInt8(ProcessInfo.processInfo.environment["DEPOT_BCRYPT_COST"] ?? "") ?? 12
            do {
                let user = try await database.createUser(
                    name: name, passwordHash: try await Passwords(cost: cost).hash(password), isAdmin: admin, by: .system)
                print("created user \(user.name)\(admin ? " (administrator)" : "")")
            } catch let error as StoreError {
                throw ValidationError(error.userMessage)
            }
        }
    }
}

struct OrgCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "org", abstract: "Manage organisations.", subcommands: [Add.self, AddMember.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an organisation.")
        @Argument var name: String
        @OptionGroup var dataOptions: DataOptions

        func run() async throws {
            let database = try dataOptions.openDatabase()
            defer { try? database.close() }
            do {
                let org = try await database.createOrg(name: name, by: .system)
                print("created organisation \(org.name)")
            } catch let error as StoreError {
                throw ValidationError(error.userMessage)
            }
        }
    }

    struct AddMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-member", abstract: "Add a user to an organisation with a role.")
        @Argument var org: String
        @Argument var user: String
        @Option(help: "owner, mirror-manager, contributor or viewer.") var role: String = "viewer"
        @OptionGroup var dataOptions: DataOptions

        func run() async throws {
            let database = try dataOptions.openDatabase()
            defer { try? database.close() }
            guard let orgRecord = try await database.org(named: org) else { throw ValidationError("No organisation named \(org).") }
            guard let ref = RoleRef(key: role) else { throw ValidationError("Unknown role \(role).") }
            do {
                try await database.setMember(org: orgRecord.id!, userName: user, role: ref, by: .system)
                print("\(user) is a member of \(org) (\(role))")
            } catch let error as StoreError {
                throw ValidationError(error.userMessage)
            }
        }
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Manage API tokens.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API token for a user and print it once.")
        @Argument var user: String
        @Option(help: "A name to tell the token apart.") var name: String = "cli"
        @OptionGroup var dataOptions: DataOptions

        func run() async throws {
            let database = try dataOptions.openDatabase()
            defer { try? database.close() }
            guard let record = try await database.user(named: user) else { throw ValidationError("No user named \(user).") }
            let token = try await TokenMinter.mint(database: database, user: record, name: name, by: .system)
            print(token)
        }
    }
}
