import DepotCore
import DepotStore
import Foundation
import Logging
import ServiceLifecycle

/// Queues and runs mirror runs: at most `maxConcurrentRuns` at once, never two of the same mirror.
/// It is a `Service` in the application's group, so graceful shutdown cancels and awaits every run.
public actor MirrorEngine {
    /// What runs need, shared and immutable.
    public struct Parts: Sendable {
        public let database: AppDatabase
        public let blobs: any BlobStore
        public let publisher: IndexPublisher
        public let client: UpstreamClient
        public let downloadConcurrency: Int
    }

    public nonisolated let parts: Parts
    let logger: Logger
    let maxConcurrentRuns: Int
    private var running: [Int64: (runID: Int64, task: Task<Void, Never>)] = [:]
    private var wake: AsyncStream<Void>.Continuation?
    private var stopped = false

    public init(database: AppDatabase, blobs: any BlobStore, indexRoot: URL, logger: Logger,
                downloadConcurrency: Int = 8, maxConcurrentRuns: Int = 2, client: UpstreamClient = .shared) {
        parts = Parts(
            database: database, blobs: blobs, publisher: IndexPublisher(database: database, root: indexRoot),
            client: client, downloadConcurrency: max(1, downloadConcurrency))
        self.logger = logger
        self.maxConcurrentRuns = max(1, maxConcurrentRuns)
    }

    /// Queues a run (or answers the one already queued or running) and wakes the engine.
    @discardableResult
    public func enqueue(mirrorID: Int64, trigger: String) async throws -> RunRecord {
        let run = try await parts.database.enqueueRun(mirrorID: mirrorID, trigger: trigger)
        wake?.yield()
        return run
    }

    public var runningMirrorIDs: [Int64] { Array(running.keys) }

    /// Starts queued runs now, without the service (CLI and benchmarks).
    public func start() async { await pump() }

    /// Notices stop requests made elsewhere (the CLI's waiting loop calls it).
    public func checkStopsNow() async { await checkStops() }

    private var pumping = false
    private var pumpAgain = false

    /// Starts queued runs while there is room. The actor is re-entrant across awaits, so one pump runs at a
    /// time and a call during it makes it look again: a run is never started twice.
    func pump() async {
        guard !pumping else {
            pumpAgain = true
            return
        }
        pumping = true
        defer { pumping = false }
        repeat {
            pumpAgain = false
            await startQueued()
        } while pumpAgain
    }

    private func startQueued() async {
        guard !stopped else { return }
        guard let queued = try? await parts.database.queuedRuns() else { return }
        for run in queued where running.count < maxConcurrentRuns && running[run.mirrorID] == nil {
            guard let mirror = try? await parts.database.mirror(id: run.mirrorID) else { continue }
            do {
                // Claimed atomically: another engine (the CLI, another node) may have taken it.
                guard try await parts.database.claimRun(id: run.id!) else { continue }
            } catch {
                logger.error("cannot start run", metadata: ["run": "\(run.id!)", "error": "\(error)"])
                continue
            }
            let task = Task { [parts, logger] in
                await Self.execute(parts: parts, mirror: mirror, run: run, logger: logger)
                await self.finished(mirrorID: mirror.id!)
            }
            running[mirror.id!] = (run.id!, task)
        }
    }

    private func finished(mirrorID: Int64) async {
        running[mirrorID] = nil
        await pump()
    }

    static func execute(parts: Parts, mirror: MirrorRecord, run: RunRecord, logger: Logger) async {
        var logger = logger
        logger[metadataKey: "mirror"] = "\(mirror.name)"
        logger[metadataKey: "run"] = "\(run.id!)"
        logger[metadataKey: "source"] = "\(Redaction.url(mirror.sourceURL))"
        logger.info("run started")
        let start = ContinuousClock.now
        var counts = AppDatabase.RunCounts()
        do {
            let failures: [String]
            switch MirrorType(rawValue: mirror.type) {
            case .conda?:
                failures = try await CondaMirrorRun(engine: parts, mirror: mirror, run: run, logger: logger).execute(counts: &counts)
            case .python?:
                failures = try await PythonMirrorRun(engine: parts, mirror: mirror, run: run, logger: logger).execute(counts: &counts)
            case .r?:
                failures = try await RMirrorRun(engine: parts, mirror: mirror, run: run, logger: logger).execute(counts: &counts)
            default:
                throw RunFailure("Mirrors of type \(mirror.type) are not supported yet.")
            }
            let status: RunStatus = failures.isEmpty ? .completed : .failed
            try await parts.database.finishRun(
                id: run.id!, status: status, error: failures.isEmpty ? nil : failures.joined(separator: "; "), counts: counts)
            logger.info("run finished", metadata: [
                "status": "\(status.rawValue)", "kept": "\(counts.kept)", "downloaded": "\(counts.downloaded)",
                "seconds": "\(ContinuousClock.now - start)",
            ])
        } catch is CancellationError {
            // The task is cancelled, so the last write goes through a task that is not.
            let final = counts
            try? await Task.detached { try await parts.database.finishRun(id: run.id!, status: .stopped, error: nil, counts: final) }.value
            logger.info("run stopped", metadata: ["kept": "\(counts.kept)", "downloaded": "\(counts.downloaded)"])
        } catch {
            let message = Redaction.url((error as? RunFailure)?.message ?? "\(error)")
            try? await parts.database.finishRun(id: run.id!, status: .failed, error: message, counts: counts)
            logger.error("run failed", metadata: ["error": "\(message)"])
        }
    }

    /// Cancels runs whose status became Stopping (set by a page, the API or the CLI, maybe in another process).
    func checkStops() async {
        let ids = running.values.map(\.runID)
        guard let statuses = try? await parts.database.runStatuses(ids: ids) else { return }
        for (_, entry) in running where statuses[entry.runID] == RunStatus.stopping.rawValue {
            entry.task.cancel()
        }
    }

    // MARK: Actions shared by pages, the API and the CLI

    /// Stops the mirror's run (if any) and waits up to `timeout` for it to end.
    @discardableResult
    public func stop(mirrorID: Int64, by actor: AuditActor, timeout: Duration = .seconds(5)) async throws -> RunRecord? {
        guard let run = try await parts.database.requestStop(mirrorID: mirrorID, by: actor) else { return nil }
        await checkStops()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let current = try await parts.database.run(id: run.id!), !(RunStatus(rawValue: current.status)?.isActive ?? false) {
                return current
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await parts.database.run(id: run.id!)
    }

    /// Stops the current run, then queues a fresh one from the beginning.
    @discardableResult
    public func restart(mirrorID: Int64, by actor: AuditActor) async throws -> RunRecord {
        try await stopAndWait(mirrorID: mirrorID, by: actor)
        return try await enqueue(mirrorID: mirrorID, trigger: "restart by \(actor.name)")
    }

    /// Stops the mirror's run and waits until it has really ended, or throws after 30 seconds.
    func stopAndWait(mirrorID: Int64, by actor: AuditActor) async throws {
        try await stop(mirrorID: mirrorID, by: actor)
        let deadline = ContinuousClock.now + .seconds(30)
        while try await parts.database.activeRun(mirrorID: mirrorID) != nil {
            guard ContinuousClock.now < deadline else {
                throw RunFailure("The current run has not stopped yet; try again in a moment.")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Stops and deletes a mirror; its packages leave the channel's index and blobs nobody uses are removed.
    public func delete(mirrorID: Int64, by actor: AuditActor) async throws {
        guard let mirror = try await parts.database.mirror(id: mirrorID) else { return }
        try await stopAndWait(mirrorID: mirrorID, by: actor)
        let (subdirs, orphans) = try await parts.database.deleteMirror(id: mirrorID, by: actor)
        for subdir in subdirs { try await parts.publisher.publish(channelID: mirror.channelID, subdir: subdir) }
        try await parts.publisher.publishChanneldata(channelID: mirror.channelID)
        for blob in orphans { try? await parts.blobs.remove(sha256: blob) }
        logger.info("mirror deleted", metadata: ["mirror": "\(mirror.name)", "blobs removed": "\(orphans.count)"])
    }

    /// Cancels every run and waits for them (graceful shutdown).
    func stopAll() async {
        stopped = true
        let tasks = running.values.map(\.task)
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    func attach(_ continuation: AsyncStream<Void>.Continuation) { wake = continuation }
}

public struct RunFailure: Error, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Runs the engine inside the application's service group.
public struct MirrorService: Service {
    public let engine: MirrorEngine
    let passive: PassiveFetcher
    let logger: Logger

    public init(engine: MirrorEngine, passive: PassiveFetcher, logger: Logger) {
        self.engine = engine
        self.passive = passive
        self.logger = logger
    }

    public func run() async throws {
        let interrupted = try await engine.parts.database.markInterruptedRuns()
        if interrupted > 0 { logger.notice("marked runs interrupted by the last stop", metadata: ["count": "\(interrupted)"]) }
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        await engine.attach(continuation)
        await engine.pump()
        let scheduler = Scheduler(engine: engine, logger: logger)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in stream { await engine.pump() }
                }
                group.addTask {
                    // Stop requests are noticed within a quarter second; schedules are checked every second.
                    var ticks = 0
                    while !Task.isCancelled {
                        await engine.checkStops()
                        if ticks % 4 == 0 { await scheduler.tick(now: Date()) }
                        ticks += 1
                        try? await Task.sleep(for: .milliseconds(250))
                    }
                }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            continuation.finish()
        }
        await engine.stopAll()
        await passive.cancelAll()
    }
}
