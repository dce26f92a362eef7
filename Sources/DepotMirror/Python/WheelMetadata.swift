import Foundation
import ZIPFoundation

/// Reads a wheel's core metadata (`<name>-<version>.dist-info/METADATA`), for PEP 658 when the upstream
/// does not offer it.
enum WheelMetadata {
    /// The METADATA bytes, or nil when the file is not a readable wheel; refuses entries over `limit` bytes.
    static func extract(from wheel: URL, limit: Int = 16 << 20) -> Data? {
        guard let archive = try? Archive(url: wheel, accessMode: .read) else { return nil }
        let candidates = archive.filter { entry in
            let parts = entry.path.split(separator: "/")
            return entry.type == .file && parts.count == 2 && parts[0].hasSuffix(".dist-info") && parts[1] == "METADATA"
        }
        guard candidates.count == 1, let entry = candidates.first, entry.uncompressedSize <= UInt64(limit) else { return nil }
        var data = Data()
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in data.append(chunk) }
        } catch {
            return nil
        }
        return data.count <= limit ? data : nil
    }
}
