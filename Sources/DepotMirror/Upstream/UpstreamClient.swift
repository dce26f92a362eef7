import AsyncHTTPClient
import Crypto
import DepotCore
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Talks to upstream repositories: small index fetches held in memory (bounded) and package downloads
/// streamed to disk while hashing. Transient failures (connection errors, 5xx, 429) are retried with backoff.
public final class UpstreamClient: Sendable {
    public struct Settings: Sendable {
        public var connectTimeout: TimeAmount = .seconds(10)
        /// Longest silence while reading a body.
        public var readTimeout: TimeAmount = .seconds(30)
        /// Longest a whole index fetch may take.
        public var indexDeadline: TimeAmount = .seconds(600)
        /// Slowest a package download may be on average, after its first 60 seconds (a drip-feeding upstream is cut off).
        public var minimumBytesPerSecond: Int64 = 10_000
        public var attempts = 3
        public var backoff: Duration = .milliseconds(200)
        public init() {}
    }

    let http: HTTPClient
    public let settings: Settings

    /// The process's client. AsyncHTTPClient must be shut down before it is released; a static never is.
    public static let shared = UpstreamClient()

    public init(settings: Settings = Settings()) {
        self.settings = settings
        var config = HTTPClient.Configuration(
            redirectConfiguration: .follow(max: 5, allowCycles: false),
            timeout: .init(connect: settings.connectTimeout, read: settings.readTimeout))
        config.httpVersion = .automatic
        config.decompression = .disabled
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    public func shutdown() async {
        try? await http.shutdown()
    }

    public struct Fetched: Sendable {
        public let status: Int
        public let body: [UInt8]
        public let etag: String?
        public let lastModified: String?
        public var contentType: String? = nil
    }

    /// GETs `url` into memory, refusing bodies over `limit` bytes. 304 and 404 are answers, not errors.
    public func fetch(_ url: String, headers: [(String, String)] = [], limit: Int) async throws -> Fetched {
        try await retrying(url) {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "User-Agent", value: "Depot")
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            let deadline = ContinuousClock.now + Duration.nanoseconds(self.settings.indexDeadline.nanoseconds)
            let response = try await self.http.execute(request, deadline: .now() + self.settings.indexDeadline)
            let status = Int(response.status.code)
            if status >= 500 || status == 429 { throw UpstreamError.status(status, url: Redaction.url(url)) }
            if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > limit {
                throw UpstreamError.tooLarge(url: Redaction.url(url), limit: limit)
            }
            var body: [UInt8] = []
            for try await chunk in response.body {
                body.append(contentsOf: chunk.readableBytesView)
                if body.count > limit { throw UpstreamError.tooLarge(url: Redaction.url(url), limit: limit) }
                // The client's deadline covers the headers; a body that never ends is cut here.
                if ContinuousClock.now > deadline { throw UpstreamError.tooSlow(url: Redaction.url(url), seconds: Int(self.settings.indexDeadline.nanoseconds / 1_000_000_000)) }
            }
            return Fetched(
                status: status, body: body, etag: response.headers.first(name: "etag"),
                lastModified: response.headers.first(name: "last-modified"), contentType: response.headers.first(name: "content-type"))
        }
    }

    public struct Downloaded: Sendable {
        public let sha256: String
        public let md5: String
        public let size: Int64
    }

    /// Streams `url` into `file`, hashing as it goes; stops past `maxBytes`. `progress` gets each chunk's size
    /// and `onChunk` each chunk (for passive streaming to a client).
    public func download(
        _ url: String, to file: URL, maxBytes: Int64,
        onChunk: (@Sendable (ByteBuffer) async -> Void)? = nil
    ) async throws -> Downloaded {
        // Once bytes went to a streaming reader, a retry would hand it a mix of two attempts: fail instead.
        let delivered = NIOLockedValueBox(false)
        return try await retrying(url, giveUp: { delivered.withLockedValue { $0 } }) {
            if !FileManager.default.fileExists(atPath: file.path) { FileManager.default.createFile(atPath: file.path, contents: nil) }
            guard let handle = FileHandle(forWritingAtPath: file.path) else { throw UpstreamError.io("cannot write a temporary file") }
            try handle.truncate(atOffset: 0)
            defer { try? handle.close() }
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "User-Agent", value: "Depot")
            let response = try await self.http.execute(request, timeout: .hours(6))
            let status = Int(response.status.code)
            guard status == 200 else { throw UpstreamError.status(status, url: Redaction.url(url)) }
            var sha = SHA256()
            var md5 = Insecure.MD5()
            var size: Int64 = 0
            let started = ContinuousClock.now
            for try await chunk in response.body {
                size += Int64(chunk.readableBytes)
                if size > maxBytes { throw UpstreamError.tooLarge(url: Redaction.url(url), limit: Int(maxBytes)) }
                let elapsed = ContinuousClock.now - started
                if elapsed > .seconds(60), size < Int64(elapsed.components.seconds) * self.settings.minimumBytesPerSecond {
                    throw UpstreamError.tooSlow(url: Redaction.url(url), seconds: Int(elapsed.components.seconds))
                }
                chunk.withUnsafeReadableBytes { raw in
                    sha.update(bufferPointer: raw)
                    md5.update(bufferPointer: raw)
                }
                try chunk.withUnsafeReadableBytes { try handle.write(contentsOf: $0) }
                if let onChunk {
                    delivered.withLockedValue { $0 = true }
                    await onChunk(chunk)
                }
            }
            return Downloaded(sha256: sha.finalize().hex, md5: md5.finalize().hex, size: size)
        }
    }

    /// Runs `body` up to `attempts` times for transient errors, waiting longer each time.
    func retrying<T>(_ url: String, giveUp: () -> Bool = { false }, _ body: () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await body()
            } catch let error as UpstreamError where !error.isTransient {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch where Task.isCancelled {
                // AsyncHTTPClient reports a cancelled task as its own error: a stop, not an upstream failure.
                throw CancellationError()
            } catch {
                if attempt >= settings.attempts || Task.isCancelled || giveUp() {
                    throw (error as? UpstreamError) ?? UpstreamError.transport(Self.describe(error), url: Redaction.url(url))
                }
                try await Task.sleep(for: settings.backoff * (1 << (attempt - 1)))
            }
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout: return "the upstream stopped sending (read timeout)"
            case .connectTimeout: return "could not connect in time"
            case .deadlineExceeded: return "took too long"
            case .remoteConnectionClosed: return "the upstream closed the connection"
            default: return "\(error)"
            }
        }
        return "\(error)"
    }
}

public enum UpstreamError: Error, Equatable, CustomStringConvertible {
    case status(Int, url: String)
    case tooLarge(url: String, limit: Int)
    case transport(String, url: String)
    case tooSlow(url: String, seconds: Int)
    case io(String)

    var isTransient: Bool {
        switch self {
        case .status(let code, _): code >= 500 || code == 429
        case .transport: true
        case .tooLarge, .io, .tooSlow: false
        }
    }

    public var description: String {
        switch self {
        case .status(let code, let url): "\(url) answered HTTP \(code)"
        case .tooLarge(let url, let limit): "\(url) sent more than \(limit) bytes"
        case .transport(let message, let url): "\(url): \(message)"
        case .tooSlow(let url, let seconds): "\(url) was still sending after \(seconds) seconds"
        case .io(let message): message
        }
    }
}

extension Sequence where Element == UInt8 {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
