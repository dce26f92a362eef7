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
                try await parts.database.startRun(id: run.id!)
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
        do {
            guard mirror.type == MirrorType.conda.rawValue else {
                throw RunFailure("Mirrors of type \(mirror.type) are not supported yet.")
            }
            let (counts, failures) = try await CondaMirrorRun(engine: parts, mirror: mirror, run: run, logger: logger).execute()
            let status: RunStatus = failures.isEmpty ? .completed : .failed
            try await parts.database.finishRun(
                id: run.id!, status: status, error: failures.isEmpty ? nil : failures.joined(separator: "; "), counts: counts)
            logger.info("run finished", metadata: [
                "status": "\(status.rawValue)", "kept": "\(counts.kept)", "downloaded": "\(counts.downloaded)",
                "seconds": "\(ContinuousClock.now - start)",
            ])
        } catch is CancellationError {
            try? await parts.database.finishRun(id: run.id!, status: .stopped, error: nil, counts: .init())
            logger.info("run stopped")
        } catch {
            let message = Redaction.url((error as? RunFailure)?.message ?? "\(error)")
            try? await parts.database.finishRun(id: run.id!, status: .failed, error: message, counts: .init())
            logger.error("run failed", metadata: ["error": "\(message)"])
        }
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

struct RunFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
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
        await withGracefulShutdownHandler {
            for await _ in stream {
                await engine.pump()
            }
        } onGracefulShutdown: {
            continuation.finish()
        }
        await engine.stopAll()
        await passive.cancelAll()
    }
}
