/// Writes a `repodata.json` from stored records, streaming: the caller feeds records in filename order per section
/// and gets chunks of UTF-8 to write out, so a subdir of any size never sits in memory twice.
public struct RepodataWriter {
    private var chunk: [UInt8] = []
    private var section: String?
    private var firstInSection = true
    private var sectionsWritten: Set<String> = []
    public let flushSize: Int

    public init(subdir: String, flushSize: Int = 1 << 20) {
        self.flushSize = flushSize
        chunk.reserveCapacity(flushSize + 4096)
        append("{\"info\":{\"subdir\":")
        appendJSONString(subdir)
        append("},")
    }

    /// Adds one record; sections must come grouped (`packages` first, then `packages.conda`).
    /// Answers bytes to write when the buffer is full.
    public mutating func add(filename: String, record: String, section: String) -> [UInt8]? {
        if self.section != section {
            open(section)
        }
        if !firstInSection { append(",") }
        firstInSection = false
        appendJSONString(filename)
        append(":")
        append(record)
        return takeIfFull()
    }

    private mutating func open(_ next: String) {
        if section != nil { append("},") }
        section = next
        sectionsWritten.insert(next)
        appendJSONString(next)
        append(":{")
        firstInSection = true
    }

    /// The rest of the document.
    public mutating func finish() -> [UInt8] {
        for required in ["packages", "packages.conda"] where !sectionsWritten.contains(required) {
            open(required)
        }
        append("},\"removed\":[],\"repodata_version\":1}")
        defer { chunk = [] }
        return chunk
    }

    private mutating func takeIfFull() -> [UInt8]? {
        guard chunk.count >= flushSize else { return nil }
        defer { chunk.removeAll(keepingCapacity: true) }
        return chunk
    }

    private mutating func append(_ s: String) { chunk.append(contentsOf: s.utf8) }

    private mutating func appendJSONString(_ s: String) {
        chunk.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): chunk.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): chunk.append(contentsOf: [0x5C, 0x5C])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                chunk.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: chunk.append(byte)
            }
        }
        chunk.append(UInt8(ascii: "\""))
    }
}
