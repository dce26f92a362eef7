/// Reads an upstream `repodata.json` without building a tree of it: it finds the `info.subdir` and, for each
/// entry of `packages` and `packages.conda`, the filename and the exact bytes of its record, which Depot stores
/// and republishes as they were. Hostile input gets `RepodataError` with the byte offset, never a crash.
public struct RepodataScanner {
    public struct Entry: Sendable, Equatable {
        public let filename: String
        /// The record's JSON text, exactly as upstream wrote it.
        public let record: String
        /// `packages` or `packages.conda`.
        public let section: String
    }

    public struct Result: Sendable {
        public var subdir: String?
        public var entries: [Entry]
    }

    public static let maxDepth = 64

    public static func scan(_ bytes: [UInt8]) throws(RepodataError) -> Result {
        do {
            return try bytes.withUnsafeBufferPointer { buffer in
                var scanner = Cursor(buffer: buffer)
                return try scanner.document()
            }
        } catch let error as RepodataError {
            throw error
        } catch {
            throw RepodataError(offset: 0, message: "\(error)")
        }
    }

    struct Cursor {
        let buffer: UnsafeBufferPointer<UInt8>
        var i = 0

        init(buffer: UnsafeBufferPointer<UInt8>) {
            self.buffer = buffer
            // A UTF-8 byte order mark is allowed.
            if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { i = 3 }
        }

        func fail(_ message: String) -> RepodataError { RepodataError(offset: i, message: message) }

        mutating func skipSpace() {
            while i < buffer.count, buffer[i] == 0x20 || buffer[i] == 0x0A || buffer[i] == 0x0D || buffer[i] == 0x09 { i += 1 }
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws(RepodataError) {
            skipSpace()
            guard i < buffer.count else { throw fail("the file ends where \(what) was expected (truncated?)") }
            guard buffer[i] == byte else { throw fail("expected \(what)") }
            i += 1
        }

        mutating func document() throws(RepodataError) -> Result {
            var result = Result(subdir: nil, entries: [])
            try expect(UInt8(ascii: "{"), "“{” at the start of repodata")
            skipSpace()
            if i < buffer.count, buffer[i] == UInt8(ascii: "}") {
                i += 1
            } else {
                while true {
                    let key = try string()
                    try expect(UInt8(ascii: ":"), "“:” after “\(key)”")
                    skipSpace()
                    switch key {
                    case "packages", "packages.conda":
                        try packages(section: key, into: &result.entries)
                    case "info":
                        result.subdir = try info()
                    default:
                        try skipValue(depth: 0)
                    }
                    skipSpace()
                    guard i < buffer.count else { throw fail("the file ends inside the top-level object (truncated?)") }
                    if buffer[i] == UInt8(ascii: ",") { i += 1; continue }
                    if buffer[i] == UInt8(ascii: "}") { i += 1; break }
                    throw fail("expected “,” or “}” in the top-level object")
                }
            }
            skipSpace()
            guard i == buffer.count else { throw fail("unexpected data after the end of the JSON document") }
            return result
        }

        mutating func packages(section: String, into entries: inout [Entry]) throws(RepodataError) {
            guard i < buffer.count, buffer[i] == UInt8(ascii: "{") else { throw fail("“\(section)” must be an object") }
            i += 1
            skipSpace()
            if i < buffer.count, buffer[i] == UInt8(ascii: "}") { i += 1; return }
            while true {
                let filename = try string()
                try expect(UInt8(ascii: ":"), "“:” after “\(filename)”")
                skipSpace()
                guard i < buffer.count, buffer[i] == UInt8(ascii: "{") else { throw fail("the record of “\(filename)” must be an object") }
                let start = i
                try skipValue(depth: 0)
                let record = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<i]), as: UTF8.self)
                entries.append(Entry(filename: filename, record: record, section: section))
                skipSpace()
                guard i < buffer.count else { throw fail("the file ends inside “\(section)” (truncated?)") }
                if buffer[i] == UInt8(ascii: ",") { i += 1; continue }
                if buffer[i] == UInt8(ascii: "}") { i += 1; return }
                throw fail("expected “,” or “}” in “\(section)”")
            }
        }

        /// One record object: the fields `CondaRecord` holds; other keys are skipped.
        mutating func record() throws(RepodataError) -> CondaRecord {
            try expect(UInt8(ascii: "{"), "“{” at the start of a record")
            var name: String?, version: String?, build: String?, sha256: String?, md5: String?, subdir: String?, license: String?, licenseFamily: String?
            var buildNumber = 0
            var size: Int64?, timestamp: Int64?
            var depends: [String] = []
            skipSpace()
            if i < buffer.count, buffer[i] == UInt8(ascii: "}") {
                i += 1
            } else {
                while true {
                    let key = try string()
                    try expect(UInt8(ascii: ":"), "“:” after “\(key)”")
                    skipSpace()
                    let isString = i < buffer.count && buffer[i] == UInt8(ascii: "\"")
                    switch key {
                    case "name" where isString: name = try string()
                    case "version" where isString: version = try string()
                    case "build" where isString: build = try string()
                    case "sha256" where isString: sha256 = try string()
                    case "md5" where isString: md5 = try string()
                    case "subdir" where isString: subdir = try string()
                    case "license" where isString: license = try string()
                    case "license_family" where isString: licenseFamily = try string()
                    case "build_number": buildNumber = Int(try number() ?? 0)
                    case "size": size = try number()
                    case "timestamp": timestamp = try number()
                    case "depends" where i < buffer.count && buffer[i] == UInt8(ascii: "["): depends = try strings()
                    default: try skipValue(depth: 1)
                    }
                    skipSpace()
                    guard i < buffer.count else { throw fail("the record ends early") }
                    if buffer[i] == UInt8(ascii: ",") { i += 1; continue }
                    if buffer[i] == UInt8(ascii: "}") { i += 1; break }
                    throw fail("expected “,” or “}” in a record")
                }
            }
            guard let name, let version, let build else { throw fail("the record lacks name, version or build") }
            return CondaRecord(
                name: name, version: version, build: build, buildNumber: buildNumber, sha256: sha256, md5: md5, size: size,
                subdir: subdir, depends: depends, license: license, timestamp: timestamp, licenseFamily: licenseFamily)
        }

        /// An integer value (nil for `null`); other values are skipped and give nil.
        mutating func number() throws(RepodataError) -> Int64? {
            skipSpace()
            let start = i
            var value: Int64 = 0
            var negative = false
            if i < buffer.count, buffer[i] == UInt8(ascii: "-") { negative = true; i += 1 }
            var digits = 0
            while i < buffer.count, (48...57).contains(buffer[i]), digits < 18 {
                value = value * 10 + Int64(buffer[i] - 48)
                i += 1
                digits += 1
            }
            if digits > 0, i < buffer.count, buffer[i] == UInt8(ascii: ",") || buffer[i] == UInt8(ascii: "}") || buffer[i] <= 0x20 {
                return negative ? -value : value
            }
            i = start
            try skipValue(depth: 1)
            return nil
        }

        /// An array of strings; non-string items are skipped.
        mutating func strings() throws(RepodataError) -> [String] {
            var result: [String] = []
            i += 1
            skipSpace()
            if i < buffer.count, buffer[i] == UInt8(ascii: "]") { i += 1; return result }
            while true {
                skipSpace()
                if i < buffer.count, buffer[i] == UInt8(ascii: "\"") { result.append(try string()) } else { try skipValue(depth: 2) }
                skipSpace()
                guard i < buffer.count else { throw fail("the record ends inside an array") }
                if buffer[i] == UInt8(ascii: ",") { i += 1; continue }
                if buffer[i] == UInt8(ascii: "]") { i += 1; return result }
                throw fail("expected “,” or “]”")
            }
        }

        /// `info.subdir`, if present.
        mutating func info() throws(RepodataError) -> String? {
            guard i < buffer.count, buffer[i] == UInt8(ascii: "{") else { try skipValue(depth: 0); return nil }
            i += 1
            var subdir: String?
            skipSpace()
            if i < buffer.count, buffer[i] == UInt8(ascii: "}") { i += 1; return nil }
            while true {
                let key = try string()
                try expect(UInt8(ascii: ":"), "“:” after “\(key)”")
                skipSpace()
                if key == "subdir", i < buffer.count, buffer[i] == UInt8(ascii: "\"") {
                    subdir = try string()
                } else {
                    try skipValue(depth: 1)
                }
                skipSpace()
                guard i < buffer.count else { throw fail("the file ends inside “info” (truncated?)") }
                if buffer[i] == UInt8(ascii: ",") { i += 1; continue }
                if buffer[i] == UInt8(ascii: "}") { i += 1; return subdir }
                throw fail("expected “,” or “}” in “info”")
            }
        }

        /// A JSON string, unescaped.
        mutating func string() throws(RepodataError) -> String {
            skipSpace()
            guard i < buffer.count, buffer[i] == UInt8(ascii: "\"") else { throw fail("expected a string") }
            i += 1
            let start = i
            var simple = true
            while i < buffer.count {
                let b = buffer[i]
                if b == UInt8(ascii: "\"") {
                    let raw = UnsafeBufferPointer(rebasing: buffer[start..<i])
                    i += 1
                    return simple ? String(decoding: raw, as: UTF8.self) : try unescape(raw, at: start)
                }
                if b == UInt8(ascii: "\\") { simple = false; i += 2; continue }
                if b < 0x20 { throw fail("control character inside a string") }
                i += 1
            }
            throw fail("the file ends inside a string (truncated?)")
        }

        func unescape(_ raw: UnsafeBufferPointer<UInt8>, at offset: Int) throws(RepodataError) -> String {
            var out: [UInt8] = []
            out.reserveCapacity(raw.count)
            var j = 0
            var pendingHigh: UInt32?
            while j < raw.count {
                let b = raw[j]
                guard b == UInt8(ascii: "\\") else { out.append(b); j += 1; continue }
                guard j + 1 < raw.count else { throw RepodataError(offset: offset + j, message: "bad escape") }
                let e = raw[j + 1]
                j += 2
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard j + 4 <= raw.count, let code = UInt32(String(decoding: UnsafeBufferPointer(rebasing: raw[j..<j + 4]), as: UTF8.self), radix: 16) else {
                        throw RepodataError(offset: offset + j, message: "bad \\u escape")
                    }
                    j += 4
                    var scalarValue = code
                    if (0xD800...0xDBFF).contains(code) { pendingHigh = code; continue }
                    if (0xDC00...0xDFFF).contains(code), let high = pendingHigh {
                        scalarValue = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)
                    }
                    pendingHigh = nil
                    guard let scalar = Unicode.Scalar(scalarValue) else {
                        throw RepodataError(offset: offset + j, message: "bad \\u escape")
                    }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    throw RepodataError(offset: offset + j, message: "bad escape")
                }
            }
            return String(decoding: out, as: UTF8.self)
        }

        /// Moves past one JSON value of any kind, checking its structure.
        mutating func skipValue(depth: Int) throws(RepodataError) {
            skipSpace()
            guard depth < RepodataScanner.maxDepth else { throw fail("nesting deeper than \(RepodataScanner.maxDepth) levels") }
            guard i < buffer.count else { throw fail("the file ends where a value was expected (truncated?)") }
            switch buffer[i] {
            case UInt8(ascii: "\""):
                _ = try skipString()
            case UInt8(ascii: "{"):
                i += 1
                skipSpace()
                if i < buffer.count, buffer[i] == UInt8(ascii: "}") { i += 1; return }
                while true {
                    skipSpace()
                    guard i < buffer.count, buffer[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                    try skipString()
                    try expect(UInt8(ascii: ":"), "“:”")
                    try skipValue(depth: depth + 1)
                    skipSpace()
                    guard i < buffer.count else { throw fail("the file ends inside an object (truncated?)") }
                    if buffer[i] == UInt8(ascii: ",") { i += 1; continue }
                    if buffer[i] == UInt8(ascii: "}") { i += 1; return }
                    throw fail("expected “,” or “}”")
                }
            case UInt8(ascii: "["):
                i += 1
                skipSpace()
                if i < buffer.count, buffer[i] == UInt8(ascii: "]") { i += 1; return }
                while true {
                    try skipValue(depth: depth + 1)
                    skipSpace()
                    guard i < buffer.count else { throw fail("the file ends inside an array (truncated?)") }
                    if buffer[i] == UInt8(ascii: ",") { i += 1; continue }
                    if buffer[i] == UInt8(ascii: "]") { i += 1; return }
                    throw fail("expected “,” or “]”")
                }
            default:
                let start = i
                while i < buffer.count {
                    let b = buffer[i]
                    if b == UInt8(ascii: ",") || b == UInt8(ascii: "}") || b == UInt8(ascii: "]") || b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { break }
                    i += 1
                }
                let token = UnsafeBufferPointer(rebasing: buffer[start..<i])
                guard Self.isLiteral(token) || Self.isNumber(token) else {
                    i = start
                    throw fail("unexpected “\(String(decoding: token, as: UTF8.self).prefix(20))”")
                }
            }
        }

        mutating func skipString() throws(RepodataError) {
            i += 1
            while i < buffer.count {
                let b = buffer[i]
                if b == UInt8(ascii: "\"") { i += 1; return }
                if b == UInt8(ascii: "\\") {
                    // Only JSON's escapes: anything else would make the republished index unreadable.
                    guard i + 1 < buffer.count else { break }
                    let e = buffer[i + 1]
                    if e == UInt8(ascii: "u") {
                        guard i + 5 < buffer.count, (2...5).allSatisfy({ Self.isHexDigit(buffer[i + $0]) }) else { throw fail("bad \\u escape") }
                        i += 6
                        continue
                    }
                    guard "\"\\/bfnrt".utf8.contains(e) else { throw fail("bad escape in a string") }
                    i += 2
                    continue
                }
                if b < 0x20 { throw fail("control character inside a string") }
                i += 1
            }
            throw fail("the file ends inside a string (truncated?)")
        }
    }
}

extension RepodataScanner.Cursor {
    static func isHexDigit(_ b: UInt8) -> Bool { (48...57).contains(b) || (97...102).contains(b) || (65...70).contains(b) }

    static func isLiteral(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        t.elementsEqual("true".utf8) || t.elementsEqual("false".utf8) || t.elementsEqual("null".utf8)
    }

    /// RFC 8259's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    static func isNumber(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        var j = 0
        func digit(_ k: Int) -> Bool { k < t.count && (48...57).contains(t[k]) }
        if j < t.count, t[j] == UInt8(ascii: "-") { j += 1 }
        guard digit(j) else { return false }
        if t[j] == UInt8(ascii: "0") { j += 1 } else { while digit(j) { j += 1 } }
        if j < t.count, t[j] == UInt8(ascii: ".") {
            j += 1
            guard digit(j) else { return false }
            while digit(j) { j += 1 }
        }
        if j < t.count, t[j] == UInt8(ascii: "e") || t[j] == UInt8(ascii: "E") {
            j += 1
            if j < t.count, t[j] == UInt8(ascii: "+") || t[j] == UInt8(ascii: "-") { j += 1 }
            guard digit(j) else { return false }
            while digit(j) { j += 1 }
        }
        return j == t.count
    }
}

public struct RepodataError: Error, Equatable, Sendable, CustomStringConvertible {
    public let offset: Int
    public let message: String
    public var description: String { "malformed repodata at byte \(offset): \(message)" }
}
