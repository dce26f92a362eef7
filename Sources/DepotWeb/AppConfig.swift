import Foundation
import Logging

/// Settings for one Depot process, from flags, `DEPOT_*` variables and defaults.
public struct AppConfig: Sendable {
    public var host: String
    public var port: Int
    /// Where the database and blobs live (`./data` by default).
    public var dataDirectory: URL
    /// The folder holding `Templates/` and `Public/`.
    public var resourcesDirectory: URL
    /// The first administrator's password; a random one is printed when nil.
    public var adminPassword: String?
    /// The URL clients reach this server at, used in the configuration snippets; derived from the request when nil.
    public var publicURL: String?
    /// Re-read templates on every render (development).
    public var reloadTemplates: Bool
    public var logLevel: Logger.Level
    /// bcrypt cost; lower only in tests.
    public var bcryptCost: UInt8
    /// Package downloads at once per mirror run.
    public var downloadConcurrency: Int = 8

    public init(
        host: String = "127.0.0.1", port: Int = 8080, dataDirectory: URL = URL(fileURLWithPath: "data"),
        resourcesDirectory: URL = AppConfig.defaultResourcesDirectory(), adminPassword: String? = nil,
        publicURL: String? = nil, reloadTemplates: Bool = false, logLevel: Logger.Level = .info, bcryptCost: UInt8 = 12
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.resourcesDirectory = resourcesDirectory
        self.adminPassword = adminPassword
        self.publicURL = publicURL
        self.reloadTemplates = reloadTemplates
        self.logLevel = logLevel
        self.bcryptCost = bcryptCost
    }

    public var databasePath: String { dataDirectory.appendingPathComponent("depot.sqlite").path }
    public var blobsDirectory: URL { dataDirectory.appendingPathComponent("blobs") }
    public var templatesDirectory: URL { resourcesDirectory.appendingPathComponent("Templates") }
    public var publicDirectory: URL { resourcesDirectory.appendingPathComponent("Public") }

    /// `DEPOT_RESOURCES`, else the package folder this file was compiled in, else the working directory.
    public static func defaultResourcesDirectory() -> URL {
        if let path = ProcessInfo.processInfo.environment["DEPOT_RESOURCES"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        if FileManager.default.fileExists(atPath: packageRoot.appendingPathComponent("Templates").path) {
            return packageRoot
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }
}
