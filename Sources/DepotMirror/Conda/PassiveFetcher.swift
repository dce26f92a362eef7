import DepotCore
import DepotStore
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// First requests for a passive mirror's file: one upstream download per file for the whole server, however
/// many clients ask at once. Each client streams the bytes as they arrive (it does not wait for the whole
/// download); the file enters the blob store only once verified, and a failed verification ends every
/// client's response early so no client takes a bad file for a good one.
public actor PassiveFetcher {
    /// A download in progress that readers follow through their own `pread` offsets.
    public final class Download: Sendable {
        struct State {
            var written: Int64 = 0
            var finished = false
            var failure: String?
            var waiters: [CheckedContinuation<Void, Never>] = []
        }

        let fd: Int32
        let state = NIOLockedValueBox(State())
        public let expectedSize: Int64?

        init(fd: Int32, expectedSize: Int64?) {
            self.fd = fd
            self.expectedSize = expectedSize
        }

        deinit { close(fd) }

        func advance(by count: Int) {
            let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
                state.written += Int64(count)
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
        }

        func finish(failure: String?) {
            let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
                state.finished = true
                state.failure = failure
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
        }

        /// Waits until more than `offset` bytes are written or the download ends.
        func wait(beyond offset: Int64) async {
            await withCheckedContinuation { continuation in
                let ready = state.withLockedValue { state -> Bool in
                    if state.written > offset || state.finished { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        }

        /// Waits for the first bytes or the end: a request can still answer with an error status until then.
        public func started() async throws {
            await wait(beyond: 0)
            let (finished, failure) = state.withLockedValue { ($0.finished, $0.failure) }
            if finished, let failure { throw PassiveFetchError(message: failure) }
        }

        /// The next chunk after `offset`, nil at a successful end; throws when the download failed.
        public func read(from offset: Int64, max: Int = 256 * 1024) async throws -> ByteBuffer? {
            while true {
                let (written, finished, failure) = state.withLockedValue { ($0.written, $0.finished, $0.failure) }
                if offset < written {
                    let count = Int(Swift.min(Int64(max), written - offset))
                    var buffer = ByteBufferAllocator().buffer(capacity: count)
                    let n = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw in
                        Swift.max(0, pread(fd, raw.baseAddress, count, off_t(offset)))
                    }
                    guard n > 0 else { throw PassiveFetchError(message: "could not read the file being downloaded") }
                    return buffer
                }
                if finished {
                    if let failure { throw PassiveFetchError(message: failure) }
                    return nil
                }
                await wait(beyond: offset)
            }
        }
    }

    let parts: MirrorEngine.Parts
    let logger: Logger
    private var inflight: [String: Download] = [:]
    private var tasks: [String: Task<Void, Never>] = [:]
    /// Upstream downloads started, for metrics and tests.
    public private(set) var started = 0

    public init(parts: MirrorEngine.Parts, logger: Logger) {
        self.parts = parts
        self.logger = logger
    }

    /// Requests coalesce when they want the same file from the same place: another tenant's index naming the
    /// same hash with its own upstream never joins (or stalls) this download.
    static func key(_ package: PackageRecord) -> String {
        "\(package.sha256 ?? package.md5 ?? package.filename)|\(package.upstreamURL)"
    }

    /// The download of `package`: the one in progress, or a new one.
    public func download(_ package: PackageRecord) throws -> Download {
        let key = Self.key(package)
        if let existing = inflight[key] { return existing }
        let temp = parts.blobs.temporaryFileURL()
        guard FileManager.default.createFile(atPath: temp.path, contents: nil) else {
            throw PassiveFetchError(message: "cannot create a temporary file")
        }
        let fd = open(temp.path, O_RDONLY)
        guard fd >= 0 else { throw PassiveFetchError(message: "cannot open a temporary file") }
        let download = Download(fd: fd, expectedSize: package.size)
        inflight[key] = download
        started += 1
        let fetcher = PackageFetcher(parts: parts)
        let logger = logger
        tasks[key] = Task {
            do {
                _ = try await fetcher.fetchAndStore(package, into: temp) { chunk in download.advance(by: chunk.readableBytes) }
                download.finish(failure: nil)
                logger.info("passive file stored", metadata: ["file": "\(package.filename)"])
            } catch {
                let message = (error as? FetchFailure)?.message ?? "\(error)"
                download.finish(failure: message)
                logger.warning("passive file not stored", metadata: ["file": "\(package.filename)", "reason": "\(message)"])
            }
            self.done(key)
        }
        return download
    }

    private func done(_ key: String) {
        inflight[key] = nil
        tasks[key] = nil
    }

    /// Cancels downloads in progress (graceful shutdown).
    public func cancelAll() async {
        let running = Array(tasks.values)
        running.forEach { $0.cancel() }
        for task in running { await task.value }
    }
}

public struct PassiveFetchError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
