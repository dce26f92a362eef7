/// A malformed DCF document: the 1-based line where reading stopped and what was wrong there.
public struct DCFError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}

/// Debian Control File text as R's `read.dcf` reads a repository's `PACKAGES` and writes it with `write.dcf`.
///
/// Reading (`parse`), following R's `read.dcf` without `keep.white`:
/// - Records are separated by one or more blank lines; a line of only spaces and tabs counts as blank.
/// - A field is `Name: value` at the start of a line. The name is everything before the first `:` and may not be
///   empty or contain spaces or tabs (`Package:a` is fine, as in R). The value has its leading and trailing
///   whitespace removed; an empty value is kept as `""`.
/// - A line that starts with a space or a tab continues the field above it. Each continuation line is trimmed
///   of leading and trailing whitespace and joined to the value with `"\n"`; a continuation line holding only `.`
///   stands for an empty line (both as R does). So `Description: a\n   b  c  \n .\n d` reads `"a\nb  c\n\nd"`.
/// - Lines end in LF or CR LF. Field order is kept, and records come in file order.
/// Stricter than R: a field given twice in one record is an error (R silently keeps the last one), and so is
/// text that is neither a field, a continuation nor blank (R's "malformed line"), or a continuation line at
/// the start of a record. Errors carry the 1-based line number. The reader is a single pass over the UTF-8
/// bytes, so a huge line or file costs time and memory in proportion to its size and nothing more.
public enum DCF {
    public static func parse(_ text: String) throws(DCFError) -> [[(String, String)]] {
        var bytes = Array(text.utf8)
        // A UTF-8 byte order mark is not part of the first field name.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        return try bytes.withUnsafeBufferPointer { buffer throws(DCFError) in
            var reader = Reader(buffer: buffer)
            return try reader.records()
        }
    }

    /// Text that `parse` (and R's `read.dcf`) reads back as the same records, as long as values have no
    /// leading or trailing whitespace on any of their lines (which reading removes). A value's embedded
    /// newlines become continuation lines indented by one space, an empty inner line is written as ` .`;
    /// records are separated by one blank line and the text ends with a newline. Lines are not folded.
    /// A field whose name `parse` would not accept (empty, or with `:`, whitespace or a newline) is left out,
    /// and so is a record left with no fields, so the output is always well formed.
    public static func write(_ records: [[(String, String)]]) -> String {
        var out = ""
        var first = true
        for record in records {
            let fields = record.filter { isValidFieldName($0.0) }
            guard !fields.isEmpty else { continue }
            if !first { out += "\n" }
            first = false
            for (name, value) in fields {
                out += name
                out += ":"
                let lines = value.split(separator: "\n", omittingEmptySubsequences: false)
                for (index, rawLine) in lines.enumerated() {
                    let line = rawLine.last == "\r" ? rawLine.dropLast() : rawLine
                    if index == 0 {
                        if !line.isEmpty { out += " " + line }
                    } else {
                        out += line.allSatisfy({ $0 == " " || $0 == "\t" }) ? "\n ." : "\n " + line
                    }
                }
                out += "\n"
            }
        }
        return out
    }

    /// Whether `name` can stand before the `:` of a field line.
    public static func isValidFieldName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first != UInt8(ascii: " "), first != UInt8(ascii: "\t") else { return false }
        return !name.utf8.contains { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == 0x0A || $0 == 0x0D }
    }

    // MARK: - Reading

    private struct Reader {
        let buffer: UnsafeBufferPointer<UInt8>
        var position = 0
        var lineNumber = 0

        init(buffer: UnsafeBufferPointer<UInt8>) {
            self.buffer = buffer
        }

        /// The next line without its LF or CR LF, or nil at the end.
        mutating func nextLine() -> Range<Int>? {
            guard position < buffer.count else { return nil }
            lineNumber += 1
            let start = position
            var end = start
            while end < buffer.count, buffer[end] != 0x0A { end += 1 }
            position = end < buffer.count ? end + 1 : end
            if end > start, buffer[end - 1] == 0x0D { end -= 1 }
            return start..<end
        }

        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

        /// The range without leading and trailing spaces, tabs and CRs.
        func trimmed(_ range: Range<Int>) -> Range<Int> {
            var lower = range.lowerBound, upper = range.upperBound
            while lower < upper, isBlank(buffer[lower]) || buffer[lower] == 0x0D { lower += 1 }
            while upper > lower, isBlank(buffer[upper - 1]) || buffer[upper - 1] == 0x0D { upper -= 1 }
            return lower..<upper
        }

        func string(_ range: Range<Int>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
        }

        /// A short, printable start of a line for an error message.
        func excerpt(_ range: Range<Int>) -> String {
            let text = string(range.lowerBound..<min(range.upperBound, range.lowerBound + 40))
            let clean = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
            return range.count > 40 ? clean + "…" : clean
        }

        mutating func records() throws(DCFError) -> [[(String, String)]] {
            var records: [[(String, String)]] = []
            var fields: [(String, String)] = []
            var firstLine: [String: Int] = [:]
            // The value being built: its pieces are joined when the next field or record starts.
            var currentName: String?
            var currentPieces: [String] = []

            func finishField() {
                if let name = currentName {
                    fields.append((name, currentPieces.joined(separator: "\n")))
                }
                currentName = nil
                currentPieces = []
            }

            while let line = nextLine() {
                let content = trimmed(line)
                if content.isEmpty {
                    finishField()
                    if !fields.isEmpty { records.append(fields) }
                    fields = []
                    firstLine = [:]
                    continue
                }
                if isBlank(buffer[line.lowerBound]) {
                    guard currentName != nil else {
                        throw DCFError(line: lineNumber, message: "continuation line “\(excerpt(content))” at the start of a record")
                    }
                    if content.count == 1, buffer[content.lowerBound] == UInt8(ascii: ".") {
                        currentPieces.append("")
                    } else {
                        currentPieces.append(string(content))
                    }
                    continue
                }
                finishField()
                var colon = line.lowerBound
                while colon < line.upperBound, buffer[colon] != UInt8(ascii: ":") { colon += 1 }
                guard colon < line.upperBound else {
                    throw DCFError(line: lineNumber, message: "“\(excerpt(content))” is neither “Field: value”, a continuation line nor blank")
                }
                let nameRange = line.lowerBound..<colon
                guard !nameRange.contains(where: { isBlank(buffer[$0]) }) else {
                    throw DCFError(line: lineNumber, message: "field name “\(excerpt(nameRange))” contains whitespace")
                }
                guard !nameRange.isEmpty else {
                    throw DCFError(line: lineNumber, message: "a line starting with “:” has no field name")
                }
                let name = string(nameRange)
                if let previous = firstLine[name] {
                    throw DCFError(line: lineNumber, message: "field “\(name)” appears twice in one record (first on line \(previous))")
                }
                firstLine[name] = lineNumber
                currentName = name
                currentPieces = [string(trimmed((colon + 1)..<line.upperBound))]
            }
            finishField()
            if !fields.isEmpty { records.append(fields) }
            return records
        }
    }
}
