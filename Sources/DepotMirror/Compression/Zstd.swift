import CZstd
import Foundation

/// zstd through libzstd: streaming compression of index files and bounded decompression of upstream ones.
public enum Zstd {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case library(String)
        case tooLarge(limit: Int)
        case truncated

        public var description: String {
            switch self {
            case .library(let message): "zstd: \(message)"
            case .tooLarge(let limit): "the decompressed data is larger than \(limit) bytes"
            case .truncated: "the zstd data ends early (truncated)"
            }
        }
    }

    /// A streaming compressor: feed chunks, then finish.
    public final class Compressor {
        private let context: OpaquePointer
        private var output = [UInt8](repeating: 0, count: ZSTD_CStreamOutSize())

        public init(level: Int32 = 3, workers: Int32 = 0) throws {
            guard let context = ZSTD_createCCtx() else { throw Failure.library("cannot create a context") }
            self.context = context
            ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)
            if workers > 0 { ZSTD_CCtx_setParameter(context, ZSTD_c_nbWorkers, workers) }
        }

        deinit { ZSTD_freeCCtx(context) }

        /// Compresses `input`; answers what is ready to write.
        public func compress(_ input: [UInt8]) throws -> [UInt8] {
            try run(input, directive: ZSTD_e_continue)
        }

        /// Ends the frame; answers the rest.
        public func finish() throws -> [UInt8] {
            try run([], directive: ZSTD_e_end)
        }

        private func run(_ input: [UInt8], directive: ZSTD_EndDirective) throws -> [UInt8] {
            var result: [UInt8] = []
            try input.withUnsafeBytes { raw in
                var inBuffer = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
                while true {
                    let remaining: Int = try output.withUnsafeMutableBytes { out in
                        var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                        let code = ZSTD_compressStream2(context, &outBuffer, &inBuffer, directive)
                        if ZSTD_isError(code) != 0 { throw Failure.library(String(cString: ZSTD_getErrorName(code))) }
                        result.append(contentsOf: UnsafeRawBufferPointer(rebasing: out[0..<outBuffer.pos]))
                        return code
                    }
                    let done = directive == ZSTD_e_end ? remaining == 0 : inBuffer.pos == inBuffer.size
                    if done { break }
                }
            }
            return result
        }
    }

    public static func compress(_ input: [UInt8], level: Int32 = 3) throws -> [UInt8] {
        let compressor = try Compressor(level: level)
        return try compressor.compress(input) + compressor.finish()
    }

    /// Decompresses a whole zstd stream, refusing output larger than `limit` (a zip bomb or an endless upstream).
    public static func decompress(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        guard let stream = ZSTD_createDStream() else { throw Failure.library("cannot create a stream") }
        defer { ZSTD_freeDStream(stream) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize())
        var lastCode = 0
        try input.withUnsafeBytes { raw in
            var inBuffer = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
            repeat {
                let (code, produced): (Int, Int) = try chunk.withUnsafeMutableBytes { out in
                    var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                    let code = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
                    if ZSTD_isError(code) != 0 { throw Failure.library(String(cString: ZSTD_getErrorName(code))) }
                    return (code, outBuffer.pos)
                }
                lastCode = code
                result.append(contentsOf: chunk[0..<produced])
                if result.count > limit { throw Failure.tooLarge(limit: limit) }
                if produced == 0 && inBuffer.pos == inBuffer.size { break }
            } while inBuffer.pos < inBuffer.size || lastCode != 0
        }
        if lastCode != 0 { throw Failure.truncated }
        return result
    }
}
