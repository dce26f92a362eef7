import DepotCore
import DepotMirror
import DepotStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Opens the store, builds the router with its middleware and controllers, and adds the long-running services.
/// Reading this function tells the whole wiring.
public func buildApplication(_ config: AppConfig) async throws -> some ApplicationProtocol {
    var logger = Logger(label: "depot")
    logger.logLevel = config.logLevel

    try FileManager.default.createDirectory(at: config.dataDirectory, withIntermediateDirectories: true)
    let database = try AppDatabase.open(path: config.databasePath)
    let blobs = try FileBlobStore(root: config.blobsDirectory)
    try blobs.removeTemporaryFiles()
    let passwords = Passwords(cost: config.bcryptCost)
    try await Bootstrap.ensureAdministrator(database: database, passwords: passwords, password: config.adminPassword, logger: logger)

    let engine = MirrorEngine(
        database: database, blobs: blobs, indexRoot: config.dataDirectory.appendingPathComponent("indexes"), logger: logger,
        downloadConcurrency: config.downloadConcurrency)
    let passive = PassiveFetcher(parts: engine.parts, logger: logger)
    let services = AppServices(
        config: config, database: database, blobs: blobs,
        renderer: try await PageRenderer(directory: config.templatesDirectory, reload: config.reloadTemplates),
        passwords: passwords, mirrors: engine, passive: passive, loginLimiter: LoginLimiter())
    let router = try buildRouter(services: services)

    var app = Application(
        router: router,
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "Depot"),
        logger: logger)
    // Services stop in reverse order: the HTTP server finishes in-flight requests before the database closes.
    app.addServices(DatabaseService(database: database, logger: logger))
    app.addServices(MirrorService(engine: engine, passive: passive, logger: logger))
    return app
}

/// The router with every middleware and controller; tests call it through `buildApplication`.
func buildRouter(services: AppServices) throws -> Router<DepotContext> {
    let router = Router(context: DepotContext.self)
    let metrics = RequestMetrics()
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    // Static files under /public: served where the routes answer 404.
    router.add(middleware: FileMiddleware(
        services.config.publicDirectory.path, urlBasePath: "/public",
        cacheControl: .init([(MediaType(type: .text), [.maxAge(3600)])])
    ).withServeOnNotFoundResponse())
    router.add(middleware: ErrorMiddleware(renderer: services.renderer))  // errors while identifying the caller
    router.add(middleware: AuthMiddleware(database: services.database))
    router.add(middleware: ErrorMiddleware(renderer: services.renderer))  // every other error, with the caller known
    router.add(middleware: CSRFMiddleware())

    let group = router.group()
    HealthController(services: services, metrics: metrics).addRoutes(to: group)
    AuthController(services: services).addRoutes(to: group)
    ChannelsController(services: services).addRoutes(to: group)
    OrgsController(services: services).addRoutes(to: group)
    PoliciesController(services: services).addRoutes(to: group)
    AdminController(services: services).addRoutes(to: group)
    AccountController(services: services).addRoutes(to: group)
    try HelpController(services: services).addRoutes(to: group)
    APIController(services: services).addRoutes(to: group)
    MirrorAPIController(services: services).addRoutes(to: group)
    PolicyAPIController(services: services).addRoutes(to: group)
    DependencyReportController(services: services).addRoutes(to: group)
    MirrorsController(services: services).addRoutes(to: group)
    RunDetailsController(services: services).addRoutes(to: group)
    RepositoryController(services: services).addRoutes(to: group)
    return router
}

/// Keeps the database open while the server runs and closes it after the server has stopped.
struct DatabaseService: Service {
    let database: AppDatabase
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        try database.close()
        logger.info("database closed")
    }
}
