import Foundation

/// One file listed on an upstream project page (PEP 503 HTML or PEP 691 JSON).
///
/// The parser keeps what the upstream said, resolved but not judged: before storing or fetching a
/// file, check `SimpleIndexParser.isSafeFilename(_:)` and `SimpleIndexParser.fileHostAllowed(fileURL:sourceURL:)`.
public struct SimpleFile: Sendable, Equatable, Codable {
    public var filename: String
    /// Absolute, resolved against the page URL, without its `#fragment`.
    public var url: String
    /// Lowercased algorithm → lowercased hex digest (`#sha256=…` fragment or JSON `hashes`).
    public var hashes: [String: String]
    public var requiresPython: String?
    /// nil = not yanked; "" = yanked without a reason; otherwise the reason (PEP 592).
    public var yanked: String?
    /// PEP 658/714: nil = no metadata file; [:] = there is one, without hashes; else its hashes.
    public var coreMetadata: [String: String]?
    public var size: Int64?
    public var uploadTime: String?

    public init(
        filename: String, url: String, hashes: [String: String] = [:], requiresPython: String? = nil,
        yanked: String? = nil, coreMetadata: [String: String]? = nil, size: Int64? = nil, uploadTime: String? = nil
    ) {
        self.filename = filename
        self.url = url
        self.hashes = hashes
        self.requiresPython = requiresPython
        self.yanked = yanked
        self.coreMetadata = coreMetadata
        self.size = size
        self.uploadTime = uploadTime
    }

    public var sha256: String? { hashes["sha256"] }
    public var isYanked: Bool { yanked != nil }
}

public enum SimpleIndexError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The message says what is wrong in words a user can act on.
    case malformed(String)

    public var message: String {
        switch self {
        case .malformed(let message): message
        }
    }

    public var description: String { message }
}

/// Reads upstream simple indexes: the root page (project list) and project pages, as PEP 503 HTML
/// or PEP 691 JSON. Input is treated as hostile: a forgiving tokenizer for HTML, explicit messages
/// for JSON that has the wrong shape, no I/O.
public enum SimpleIndexParser {
    // MARK: - Project lists

    /// The anchor texts of a PEP 503 root page, entity-decoded and trimmed; empty anchors are skipped.
    /// The names are as the upstream spelled them (neither normalised nor validated).
    public static func projectList(html: String) throws -> [String] {
        let scan = SimpleHTMLScanner.scan(html)
        try requireHTML(scan, html, what: "the project list")
        return scan.anchors.compactMap { anchor in
            let text = anchor.text.trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? nil : text
        }
    }

    /// `projects[].name` of a PEP 691 root page.
    public static func projectList(json: [UInt8]) throws -> [String] {
        try decode(ProjectListDocument.self, from: json, what: "the project list").names
    }

    // MARK: - Project pages

    /// The files of a PEP 503 project page. `pageURL` is the address the page was read from (after
    /// redirects, with its trailing slash); relative links and a `<base href>` are resolved against it.
    /// Anchors without an `href`, or whose link has no last path segment, are not files and are skipped.
    public static func files(html: String, pageURL: String) throws -> [SimpleFile] {
        let page = try baseURL(pageURL)
        let scan = SimpleHTMLScanner.scan(html)
        try requireHTML(scan, html, what: "the project page")
        var base = page
        if let href = scan.baseHref, let resolved = resolve(href, against: page), let url = URL(string: resolved) {
            base = url
        }
        return scan.anchors.compactMap { anchor in file(from: anchor, base: base) }
    }

    /// The files of a PEP 691 project page; relative URLs are resolved against `pageURL`.
    public static func files(json: [UInt8], pageURL: String) throws -> [SimpleFile] {
        let base = try baseURL(pageURL)
        let document = try decode(ProjectPageDocument.self, from: json, what: "the project page")
        return try document.entries.map { entry in
            guard let resolved = resolve(entry.url, against: base) else {
                throw SimpleIndexError.malformed("The URL of the file \(quoted(entry.filename)) is not a valid URL.")
            }
            let (url, fragment) = splitFragment(resolved)
            var hashes = entry.hashes
            if let fragment, let (algorithm, digest) = hash(fromFragment: fragment), hashes[algorithm] == nil {
                hashes[algorithm] = digest
            }
            return SimpleFile(
                filename: entry.filename, url: url, hashes: hashes, requiresPython: entry.requiresPython,
                yanked: entry.yanked, coreMetadata: entry.coreMetadata, size: entry.size, uploadTime: entry.uploadTime
            )
        }
    }

    // MARK: - Validation

    /// A filename that can be stored and put in a URL path segment: not empty, at most 255 bytes,
    /// no `/` or `\`, not starting with `.` (so no `.` or `..`), no control characters.
    public static func isSafeFilename(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255, !name.hasPrefix("."), name != ".." else { return false }
        return !name.unicodeScalars.contains { scalar in
            scalar == "/" || scalar == "\\" || scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value)
        }
    }

    /// Whether Depot may download a file an upstream index points at: http or https only. A file on
    /// another host than the index is fine (PyPI serves files from files.pythonhosted.org), but a file
    /// on this machine or the link-local network — loopback 127.0.0.0/8, ::1, `localhost`, 0.0.0.0/8,
    /// link-local 169.254.0.0/16, fe80::/10, and these written as IPv4-mapped IPv6 or in the short and
    /// octal/hex IPv4 forms resolvers accept — only when the index itself is on such an address.
    /// (A DNS name that resolves to such an address is not caught here: that needs a lookup.)
    public static func fileHostAllowed(fileURL: String, sourceURL: String) -> Bool {
        guard let file = URLComponents(string: fileURL), let scheme = file.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let fileHost = normalizedHost(file.host)
        else { return false }
        guard HostAddress.isLocal(fileHost) else { return true }
        guard let source = URLComponents(string: sourceURL), let sourceHost = normalizedHost(source.host) else {
            return false
        }
        return HostAddress.isLocal(sourceHost)
    }

    // MARK: - Private: HTML

    private static func requireHTML(_ scan: SimpleHTMLScanner.Result, _ html: String, what: String) throws {
        if !scan.sawTag, html.contains(where: { !$0.isWhitespace }) {
            throw SimpleIndexError.malformed("\(capitalized(what)) is not an HTML page.")
        }
    }

    private static func file(from anchor: SimpleHTMLScanner.Anchor, base: URL) -> SimpleFile? {
        guard let href = anchor.attributes["href"], let resolved = resolve(href, against: base) else { return nil }
        let (url, fragment) = splitFragment(resolved)
        guard let filename = lastPathSegment(of: url) else { return nil }
        var hashes: [String: String] = [:]
        if let fragment, let (algorithm, digest) = hash(fromFragment: fragment) {
            hashes[algorithm] = digest
        }
        let requiresPython = anchor.attributes["data-requires-python"]?.trimmingCharacters(in: .whitespacesAndNewlines)
        let coreMetadata = anchor.attributes["data-core-metadata"].map(metadata(fromAttribute:))
            ?? anchor.attributes["data-dist-info-metadata"].map(metadata(fromAttribute:))
        return SimpleFile(
            filename: filename, url: url, hashes: hashes,
            requiresPython: requiresPython?.isEmpty == false ? requiresPython : nil,
            yanked: anchor.attributes["data-yanked"],
            coreMetadata: coreMetadata ?? nil
        )
    }

    /// `true` → [:]; `sha256=…` → that hash; anything else (also `false`) → nil.
    private static func metadata(fromAttribute value: String) -> [String: String]? {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.lowercased() == "true" { return [:] }
        if let (algorithm, digest) = hash(fromFragment: trimmed) { return [algorithm: digest] }
        return nil
    }

    // MARK: - Private: URLs and hashes

    private static func baseURL(_ pageURL: String) throws -> URL {
        guard let url = URL(string: pageURL.trimmingCharacters(in: .whitespacesAndNewlines)),
              let scheme = url.scheme, !scheme.isEmpty, url.host?.isEmpty == false
        else {
            throw SimpleIndexError.malformed("The page address \(quoted(pageURL)) is not an absolute URL.")
        }
        return url
    }

    /// An absolute URL string for a link, or nil when it cannot be one.
    static func resolve(_ reference: String, against base: URL) -> String? {
        let trimmed = reference.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 8192,
              !trimmed.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f })
        else { return nil }
        guard let url = URL(string: trimmed, relativeTo: base)?.absoluteURL,
              let scheme = url.scheme, !scheme.isEmpty
        else { return nil }
        return url.absoluteString
    }

    private static func splitFragment(_ url: String) -> (url: String, fragment: String?) {
        guard let index = url.firstIndex(of: "#") else { return (url, nil) }
        return (String(url[..<index]), String(url[url.index(after: index)...]))
    }

    /// The last segment of the URL's path, percent-decoded; nil when the path ends in `/` or is empty.
    private static func lastPathSegment(of url: String) -> String? {
        guard let components = URLComponents(string: url) else { return nil }
        guard let raw = components.percentEncodedPath.split(separator: "/", omittingEmptySubsequences: false).last,
              !raw.isEmpty
        else { return nil }
        return raw.removingPercentEncoding ?? String(raw)
    }

    /// `sha256=ABCD…` → ("sha256", "abcd…"); nil unless a name and a hex digest.
    static func hash(fromFragment fragment: String) -> (algorithm: String, digest: String)? {
        let parts = fragment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        return normalizedHash(algorithm: String(parts[0]), digest: String(parts[1]))
    }

    static func normalizedHash(algorithm: String, digest: String) -> (algorithm: String, digest: String)? {
        let algorithm = algorithm.trimmingCharacters(in: .whitespaces).lowercased()
        let digest = digest.trimmingCharacters(in: .whitespaces).lowercased()
        guard !algorithm.isEmpty, algorithm.utf8.count <= 32,
              algorithm.utf8.allSatisfy({ PyByte.isAlphanumeric($0) || $0 == 0x2d || $0 == 0x5f }),
              !digest.isEmpty, digest.utf8.count <= 256, digest.utf8.allSatisfy(PyByte.isHexDigit)
        else { return nil }
        return (algorithm, digest)
    }

    private static func normalizedHost(_ host: String?) -> String? {
        guard var host = host?.lowercased(), !host.isEmpty else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if let zone = host.firstIndex(of: "%") { host = String(host[..<zone]) }
        while host.hasSuffix(".") { host.removeLast() }
        return host.isEmpty ? nil : host
    }

    // MARK: - Private: JSON

    private static func decode<Document: Decodable>(_ type: Document.Type, from json: [UInt8], what: String) throws -> Document {
        do {
            return try JSONDecoder().decode(Document.self, from: Data(json))
        } catch let error as SimpleIndexError {
            throw error
        } catch DecodingError.dataCorrupted {
            throw SimpleIndexError.malformed("\(capitalized(what)) is not valid JSON.")
        } catch {
            throw SimpleIndexError.malformed("\(capitalized(what)) is not a JSON object.")
        }
    }

    // MARK: - Private: messages

    /// Upstream text in a message: quoted, control characters dropped, at most 80 characters.
    static func quoted(_ text: String) -> String {
        let clean = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }))
        return "“" + (clean.count > 80 ? clean.prefix(79) + "…" : clean) + "”"
    }

    private static func capitalized(_ text: String) -> String {
        text.prefix(1).uppercased() + text.dropFirst()
    }
}

// MARK: - PEP 691 documents

private struct JSONKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

private typealias JSONObject = KeyedDecodingContainer<JSONKey>

extension KeyedDecodingContainer where K == JSONKey {
    fileprivate func string(_ key: String) -> String? {
        try? decodeIfPresent(String.self, forKey: JSONKey(key))
    }

    fileprivate func has(_ key: String) -> Bool {
        contains(JSONKey(key)) && (try? decodeNil(forKey: JSONKey(key))) != true
    }

    /// A JSON object of algorithm → digest; entries that are not strings or not hex are dropped.
    fileprivate func hashes(_ key: String) -> [String: String]? {
        guard let object = try? nestedContainer(keyedBy: JSONKey.self, forKey: JSONKey(key)) else { return nil }
        var hashes: [String: String] = [:]
        for entry in object.allKeys {
            guard let digest = try? object.decode(String.self, forKey: entry),
                  let (algorithm, normalized) = SimpleIndexParser.normalizedHash(algorithm: entry.stringValue, digest: digest)
            else { continue }
            hashes[algorithm] = normalized
        }
        return hashes
    }

    /// PEP 691 meta: a major version other than 1 is a format Depot does not understand.
    fileprivate func checkAPIVersion() throws {
        guard let meta = try? nestedContainer(keyedBy: JSONKey.self, forKey: JSONKey("meta")),
              let version = meta.string("api-version")
        else { return }
        let major = version.split(separator: ".", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) }
        guard major == "1" else {
            throw SimpleIndexError.malformed(
                "The index uses simple API version \(SimpleIndexParser.quoted(version)); Depot understands version 1.x."
            )
        }
    }

    fileprivate func array(_ key: String, missing: String, wrongType: String) throws -> any UnkeyedDecodingContainer {
        guard has(key) else { throw SimpleIndexError.malformed(missing) }
        do {
            return try nestedUnkeyedContainer(forKey: JSONKey(key))
        } catch {
            throw SimpleIndexError.malformed(wrongType)
        }
    }
}

private func nextObject(_ list: inout any UnkeyedDecodingContainer, message: String) throws -> JSONObject {
    do {
        return try list.nestedContainer(keyedBy: JSONKey.self)
    } catch {
        throw SimpleIndexError.malformed(message)
    }
}

private struct ProjectListDocument: Decodable {
    var names: [String] = []

    init(from decoder: any Decoder) throws {
        let root = try decoder.container(keyedBy: JSONKey.self)
        try root.checkAPIVersion()
        var list = try root.array(
            "projects", missing: "The project list has no “projects” array.",
            wrongType: "“projects” in the project list is not an array."
        )
        while !list.isAtEnd {
            let entry = try nextObject(&list, message: "An entry of the project list is not an object.")
            guard let name = entry.string("name"), !name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw SimpleIndexError.malformed("An entry of the project list lacks a name.")
            }
            names.append(name)
        }
    }
}

private struct ProjectPageDocument: Decodable {
    struct Entry {
        var filename: String
        var url: String
        var hashes: [String: String]
        var requiresPython: String?
        var yanked: String?
        var coreMetadata: [String: String]?
        var size: Int64?
        var uploadTime: String?
    }

    var entries: [Entry] = []

    init(from decoder: any Decoder) throws {
        let root = try decoder.container(keyedBy: JSONKey.self)
        try root.checkAPIVersion()
        var list = try root.array(
            "files", missing: "The project page has no “files” array.",
            wrongType: "“files” in the project page is not an array."
        )
        while !list.isAtEnd {
            let entry = try nextObject(&list, message: "A file entry of the project page is not an object.")
            guard let filename = entry.string("filename"), !filename.isEmpty else {
                throw SimpleIndexError.malformed("A file entry of the project page lacks a filename.")
            }
            guard let url = entry.string("url"), !url.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw SimpleIndexError.malformed("The file entry \(SimpleIndexParser.quoted(filename)) lacks a URL.")
            }
            let requiresPython = entry.string("requires-python")?.trimmingCharacters(in: .whitespacesAndNewlines)
            let size = try? entry.decodeIfPresent(Int64.self, forKey: JSONKey("size"))
            entries.append(Entry(
                filename: filename, url: url, hashes: entry.hashes("hashes") ?? [:],
                requiresPython: requiresPython?.isEmpty == false ? requiresPython : nil,
                yanked: Self.yanked(entry),
                coreMetadata: entry.has("core-metadata") ? Self.metadata(entry, "core-metadata")
                    : Self.metadata(entry, "dist-info-metadata"),
                size: size.flatMap { $0 }.flatMap { $0 >= 0 ? $0 : nil },
                uploadTime: entry.string("upload-time")
            ))
        }
    }

    /// `true` → "", a string → the reason, anything else → not yanked.
    private static func yanked(_ entry: JSONObject) -> String? {
        if let flag = try? entry.decodeIfPresent(Bool.self, forKey: JSONKey("yanked")) { return flag ? "" : nil }
        return entry.string("yanked")
    }

    /// `true` → [:], an object → its hashes, anything else → none.
    private static func metadata(_ entry: JSONObject, _ key: String) -> [String: String]? {
        if let flag = try? entry.decodeIfPresent(Bool.self, forKey: JSONKey(key)) { return flag ? [:] : nil }
        return entry.hashes(key)
    }
}

// MARK: - HTML

/// A small, forgiving HTML tokenizer that finds `<a …>text</a>` and `<base href>`. It skips comments,
/// doctype and processing instructions, and the raw text of `script`, `style`, `title` and `textarea`;
/// it never fails. Works on UTF-8 bytes so a root page of hundreds of thousands of links stays fast.
enum SimpleHTMLScanner {
    struct Anchor {
        /// Lowercased names → entity-decoded values ("" for an attribute without a value); the first of duplicates wins.
        var attributes: [String: String]
        var text: String
    }

    struct Result {
        var anchors: [Anchor] = []
        var baseHref: String?
        var sawTag = false
    }

    private static let lt = UInt8(ascii: "<"), gt = UInt8(ascii: ">"), slash = UInt8(ascii: "/")
    private static let equals = UInt8(ascii: "="), amp = UInt8(ascii: "&")

    static func scan(_ html: String) -> Result {
        let bytes = Array(html.utf8)
        let count = bytes.count
        var result = Result()
        var open: (attributes: [String: String], text: [UInt8])?
        // Raw-text elements whose closing tag does not occur any more: searching again would make
        // a page of many unclosed `<script>` tags quadratic.
        var unclosed: Set<String> = []
        var i = 0

        func finishAnchor() {
            guard let anchor = open else { return }
            result.anchors.append(Anchor(attributes: anchor.attributes, text: decodeEntities(anchor.text)))
            open = nil
        }

        while i < count {
            guard bytes[i] == lt else {
                let start = i
                while i < count, bytes[i] != lt { i += 1 }
                open?.text.append(contentsOf: bytes[start..<i])
                continue
            }
            let next = i + 1 < count ? bytes[i + 1] : 0
            if hasPrefix(bytes, at: i, "<!--") {
                result.sawTag = true
                i = find(bytes, "-->", from: i + 4).map { $0 + 3 } ?? count
            } else if next == UInt8(ascii: "!") || next == UInt8(ascii: "?") {
                result.sawTag = true
                i = find(bytes, ">", from: i + 2).map { $0 + 1 } ?? count
            } else if next == slash {
                result.sawTag = true
                var j = i + 2
                let nameStart = j
                while j < count, PyByte.isAlphanumeric(bytes[j]) { j += 1 }
                let name = lowercasedString(bytes[nameStart..<j])
                i = find(bytes, ">", from: j).map { $0 + 1 } ?? count
                if name == "a" { finishAnchor() }
            } else if PyByte.isLetter(next) {
                result.sawTag = true
                let tag = startTag(bytes, at: i)
                i = tag.end
                switch tag.name {
                case "a":
                    finishAnchor()
                    open = (tag.attributes, [])
                case "base":
                    if result.baseHref == nil, let href = tag.attributes["href"] { result.baseHref = href }
                case "script", "style", "title", "textarea":
                    guard !tag.selfClosing, !unclosed.contains(tag.name) else { break }
                    if let close = findCaseInsensitive(bytes, "</" + tag.name, from: i) {
                        i = find(bytes, ">", from: close).map { $0 + 1 } ?? count
                    } else {
                        unclosed.insert(tag.name)
                    }
                default:
                    break
                }
            } else {
                open?.text.append(lt)
                i += 1
            }
        }
        finishAnchor()
        return result
    }

    /// Parses `<name attr=value attr='v' attr="v" attr>` starting at the `<`.
    private static func startTag(_ bytes: [UInt8], at start: Int) -> (name: String, attributes: [String: String], selfClosing: Bool, end: Int) {
        let count = bytes.count
        var j = start + 1
        let nameStart = j
        while j < count, !PyByte.isSpace(bytes[j]), bytes[j] != slash, bytes[j] != gt { j += 1 }
        let name = lowercasedString(bytes[nameStart..<j])
        var attributes: [String: String] = [:]
        var selfClosing = false
        while j < count {
            while j < count, PyByte.isSpace(bytes[j]) || bytes[j] == slash {
                selfClosing = bytes[j] == slash
                j += 1
            }
            guard j < count else { break }
            if bytes[j] == gt {
                j += 1
                break
            }
            selfClosing = false
            let attributeStart = j
            j += 1  // a name may start with any byte, even `=`
            while j < count, !PyByte.isSpace(bytes[j]), bytes[j] != slash, bytes[j] != gt, bytes[j] != equals { j += 1 }
            let attribute = lowercasedString(bytes[attributeStart..<j])
            while j < count, PyByte.isSpace(bytes[j]) { j += 1 }
            var value: ArraySlice<UInt8> = []
            if j < count, bytes[j] == equals {
                j += 1
                while j < count, PyByte.isSpace(bytes[j]) { j += 1 }
                if j < count, bytes[j] == UInt8(ascii: "\"") || bytes[j] == UInt8(ascii: "'") {
                    let quote = bytes[j]
                    j += 1
                    let valueStart = j
                    while j < count, bytes[j] != quote { j += 1 }
                    value = bytes[valueStart..<j]
                    if j < count { j += 1 }
                } else {
                    let valueStart = j
                    while j < count, !PyByte.isSpace(bytes[j]), bytes[j] != gt { j += 1 }
                    value = bytes[valueStart..<j]
                }
            }
            if attributes[attribute] == nil { attributes[attribute] = decodeEntities(value) }
        }
        return (name, attributes, selfClosing, j)
    }

    private static let namedEntities: [String: Unicode.Scalar] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}",
    ]

    /// Decodes `&amp; &lt; &gt; &quot; &apos; &nbsp; &#NN; &#xHH;`; anything else stays as written.
    /// Invalid code points (0, surrogates, beyond U+10FFFF) become U+FFFD.
    static func decodeEntities(_ bytes: some Collection<UInt8>) -> String {
        guard bytes.contains(amp) else { return String(decoding: bytes, as: UTF8.self) }
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            if input[i] == amp, let (scalar, length) = entity(input, at: i) {
                output.append(contentsOf: String(Character(scalar)).utf8)
                i += length
            } else {
                output.append(input[i])
                i += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func entity(_ input: [UInt8], at start: Int) -> (Unicode.Scalar, Int)? {
        let limit = min(input.count, start + 12)
        guard let semicolon = (start + 1..<limit).first(where: { input[$0] == UInt8(ascii: ";") }),
              semicolon > start + 1
        else { return nil }
        let body = input[(start + 1)..<semicolon]
        let length = semicolon - start + 1
        guard body.first == UInt8(ascii: "#") else {
            return namedEntities[String(decoding: body, as: UTF8.self)].map { ($0, length) }
        }
        var digits = body.dropFirst()
        var radix: UInt32 = 10
        if digits.first == UInt8(ascii: "x") || digits.first == UInt8(ascii: "X") {
            radix = 16
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.count <= 8,
              digits.allSatisfy({ radix == 16 ? PyByte.isHexDigit($0) : PyByte.isDigit($0) }),
              let value = UInt32(String(decoding: digits, as: UTF8.self), radix: Int(radix))
        else { return nil }
        guard value != 0, let scalar = Unicode.Scalar(value) else { return ("\u{FFFD}", length) }
        return (scalar, length)
    }

    private static func lowercasedString(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.map(PyByte.lowercased), as: UTF8.self)
    }

    private static func hasPrefix(_ bytes: [UInt8], at start: Int, _ prefix: String) -> Bool {
        let needle = Array(prefix.utf8)
        guard start + needle.count <= bytes.count else { return false }
        return bytes[start..<(start + needle.count)].elementsEqual(needle)
    }

    private static func find(_ bytes: [UInt8], _ needle: String, from start: Int) -> Int? {
        let needle = Array(needle.utf8)
        guard let first = needle.first, start < bytes.count else { return nil }
        var i = start
        while i + needle.count <= bytes.count {
            if bytes[i] == first, bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    private static func findCaseInsensitive(_ bytes: [UInt8], _ needle: String, from start: Int) -> Int? {
        let needle = Array(needle.utf8)
        guard start < bytes.count else { return nil }
        var i = start
        while i + needle.count <= bytes.count {
            if zip(bytes[i..<(i + needle.count)], needle).allSatisfy({ PyByte.lowercased($0) == $1 }) { return i }
            i += 1
        }
        return nil
    }
}

// MARK: - Host addresses

/// Recognises addresses of this machine and the link-local network in host text, without DNS.
enum HostAddress {
    static func isLocal(_ host: String) -> Bool {
        if host == "localhost" || host.hasSuffix(".localhost") { return true }
        if let v4 = ipv4(host) { return isLocal(v4: v4) }
        if let v6 = ipv6(host) { return isLocal(v6: v6) }
        return false
    }

    /// 0.0.0.0/8 (reaches this host on Linux), 127.0.0.0/8, 169.254.0.0/16.
    static func isLocal(v4: UInt32) -> Bool {
        let first = v4 >> 24
        return first == 0 || first == 127 || v4 >> 16 == 0xA9FE
    }

    /// ::, ::1, fe80::/10, and IPv4-mapped or -compatible addresses of local IPv4 hosts.
    static func isLocal(v6: [UInt8]) -> Bool {
        if v6[0] == 0xfe, v6[1] & 0xc0 == 0x80 { return true }
        let embedded = UInt32(v6[12]) << 24 | UInt32(v6[13]) << 16 | UInt32(v6[14]) << 8 | UInt32(v6[15])
        if v6[0..<10].allSatisfy({ $0 == 0 }), (v6[10] == 0 && v6[11] == 0) || (v6[10] == 0xff && v6[11] == 0xff) {
            return isLocal(v4: embedded)
        }
        return false
    }

    /// IPv4 as resolvers read it (inet_aton, WHATWG URL): 1 to 4 parts, each decimal, octal (`0…`)
    /// or hex (`0x…`); the last part fills the remaining bytes (`127.1` is 127.0.0.1).
    static func ipv4(_ host: String) -> UInt32? {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var values: [UInt64] = []
        for part in parts {
            guard let value = ipv4Part(part) else { return nil }
            values.append(value)
        }
        var address: UInt64 = 0
        for value in values.dropLast() {
            guard value <= 255 else { return nil }
            address = address << 8 | value
        }
        let remainingBits = UInt64(8 * (5 - values.count))
        guard let last = values.last, last < (1 << remainingBits) else { return nil }
        return UInt32(address << remainingBits | last)
    }

    private static func ipv4Part(_ part: Substring) -> UInt64? {
        var digits = Substring(part)
        var radix = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            radix = 16
            digits = digits.dropFirst(2)
            if digits.isEmpty { return 0 }
        } else if digits.count > 1, digits.hasPrefix("0") {
            radix = 8
            digits = digits.dropFirst()
        }
        let valid: (UInt8) -> Bool = switch radix {
        case 16: PyByte.isHexDigit
        case 8: { (0x30...0x37).contains($0) }
        default: PyByte.isDigit
        }
        guard !digits.isEmpty, digits.count <= 12, digits.utf8.allSatisfy(valid) else { return nil }
        return UInt64(digits, radix: radix)
    }

    /// 16 bytes of an IPv6 address in text form (with `::` and a dotted IPv4 tail), or nil.
    static func ipv6(_ host: String) -> [UInt8]? {
        guard host.contains(":"), host.utf8.count <= 64 else { return nil }
        let halves = host.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ text: String, allowIPv4Tail: Bool) -> [UInt16]? {
            guard !text.isEmpty else { return [] }
            var result: [UInt16] = []
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            for (index, part) in parts.enumerated() {
                if allowIPv4Tail, index == parts.count - 1, part.contains(".") {
                    let octets = part.split(separator: ".", omittingEmptySubsequences: false)
                    guard octets.count == 4 else { return nil }
                    var bytes: [UInt16] = []
                    for octet in octets {
                        guard !octet.isEmpty, octet.count <= 3, octet.utf8.allSatisfy(PyByte.isDigit),
                              let value = UInt16(octet), value <= 255 else { return nil }
                        bytes.append(value)
                    }
                    result.append(bytes[0] << 8 | bytes[1])
                    result.append(bytes[2] << 8 | bytes[3])
                } else {
                    guard (1...4).contains(part.utf8.count), part.utf8.allSatisfy(PyByte.isHexDigit),
                          let value = UInt16(part, radix: 16) else { return nil }
                    result.append(value)
                }
            }
            return result
        }
        var all: [UInt16]
        if halves.count == 2 {
            guard let head = groups(halves[0], allowIPv4Tail: false),
                  let tail = groups(halves[1], allowIPv4Tail: true),
                  head.count + tail.count < 8
            else { return nil }
            all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let every = groups(host, allowIPv4Tail: true), every.count == 8 else { return nil }
            all = every
        }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }
}
