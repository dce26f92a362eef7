import CBzip2
import Foundation

/// bzip2 through libbz2, for clients that still ask for `repodata.json.bz2`.
public enum Bzip2 {
    public struct Failure: Error, CustomStringConvertible {
        public let code: Int32
        public var description: String { "bzip2 error \(code)" }
    }

    /// Compresses the file at `input` into `output` (block size 9), streaming.
    public static func compressFile(input: URL, output: URL) throws {
        guard let reader = FileHandle(forReadingAtPath: input.path) else { throw Failure(code: -100) }
        defer { try? reader.close() }
        FileManager.default.createFile(atPath: output.path, contents: nil)
        guard let writer = FileHandle(forWritingAtPath: output.path) else { throw Failure(code: -101) }
        defer { try? writer.close() }

        var stream = bz_stream()
        var code = BZ2_bzCompressInit(&stream, 9, 0, 0)
        guard code == BZ_OK else { throw Failure(code: code) }
        defer { BZ2_bzCompressEnd(&stream) }
        var out = [CChar](repeating: 0, count: 1 << 18)

        func pump(action: Int32, input: inout [UInt8]) throws -> Int32 {
            var last: Int32 = BZ_OK
            try input.withUnsafeMutableBytes { raw in
                stream.next_in = raw.baseAddress?.assumingMemoryBound(to: CChar.self)
                stream.avail_in = UInt32(raw.count)
                repeat {
                    let produced: Int = out.withUnsafeMutableBufferPointer { buffer in
                        stream.next_out = buffer.baseAddress
                        stream.avail_out = UInt32(buffer.count)
                        last = BZ2_bzCompress(&stream, action)
                        return buffer.count - Int(stream.avail_out)
                    }
                    if last < 0 { throw Failure(code: last) }
                    if produced > 0 {
                        try writer.write(contentsOf: out.withUnsafeBytes { Data($0[0..<produced]) })
                    }
                } while (action == BZ_RUN && stream.avail_in > 0) || (action == BZ_FINISH && last != BZ_STREAM_END)
            }
            return last
        }

        while true {
            guard let data = try reader.read(upToCount: 1 << 20), !data.isEmpty else { break }
            var bytes = [UInt8](data)
            code = try pump(action: BZ_RUN, input: &bytes)
        }
        var empty: [UInt8] = []
        _ = try pump(action: BZ_FINISH, input: &empty)
        try writer.synchronize()
    }
}
