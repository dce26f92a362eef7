import CDepotZlib
import Foundation

/// gzip through zlib: R's `PACKAGES.gz` and `PACKAGES.rds` are gzip streams.
public enum Gzip {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case library(Int32)
        case tooLarge(limit: Int)
        case truncated

        public var description: String {
            switch self {
            case .library(let code): "gzip: zlib error \(code)"
            case .tooLarge(let limit): "the decompressed data is larger than \(limit) bytes"
            case .truncated: "the gzip data ends early (truncated)"
            }
        }
    }

    public static func compress(_ input: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        var stream = z_stream()
        var code = deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard code == Z_OK else { throw Failure.library(code) }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        var input = input
        let produced: Int = try input.withUnsafeMutableBufferPointer { inBuffer in
            try output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                code = deflate(&stream, Z_FINISH)
                guard code == Z_STREAM_END else { throw Failure.library(code) }
                return outBuffer.count - Int(stream.avail_out)
            }
        }
        return Array(output[0..<produced])
    }

    /// Decompresses a gzip stream, refusing output larger than `limit`.
    public static func decompress(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        var stream = z_stream()
        var code = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard code == Z_OK else { throw Failure.library(code) }
        defer { inflateEnd(&stream) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = input
        try input.withUnsafeMutableBufferPointer { inBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            repeat {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = uInt(outBuffer.count)
                    code = inflate(&stream, Z_NO_FLUSH)
                    return outBuffer.count - Int(stream.avail_out)
                }
                if code != Z_OK && code != Z_STREAM_END && !(code == Z_BUF_ERROR && produced > 0) {
                    throw code == Z_BUF_ERROR ? Failure.truncated : Failure.library(code)
                }
                result.append(contentsOf: chunk[0..<produced])
                if result.count > limit { throw Failure.tooLarge(limit: limit) }
                if code != Z_STREAM_END && produced == 0 && stream.avail_in == 0 { throw Failure.truncated }
            } while code != Z_STREAM_END
        }
        return result
    }
}
