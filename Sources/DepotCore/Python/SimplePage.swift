/// The two PEP 691 serialisations of the simple API.
public enum SimpleFormat: Sendable, Equatable {
    case html, json

    /// The Content-Type to answer with. HTML is served as `text/html` (which PEP 691 makes equivalent to
    /// `application/vnd.pypi.simple.v1+html`) because older pip only accepts a `text/html` response.
    public var contentType: String {
        switch self {
        case .html: "text/html; charset=utf-8"
        case .json: "application/vnd.pypi.simple.v1+json"
        }
    }

    /// PEP 691 content negotiation on an `Accept` header. No header, a blank one or `*/*` → HTML.
    /// For each media type Depot serves, the most specific matching range gives its q-value
    /// (q=0: not acceptable); the format with the highest q wins, a tie goes to the range written
    /// earlier in the header, and a tie on the same range (`*/*`) to HTML. nil when nothing Depot
    /// serves is acceptable (answer 406).
    public static func negotiate(accept: String?) -> SimpleFormat? {
        guard let accept, accept.contains(where: { !$0.isWhitespace && $0 != "," }) else { return .html }
        let ranges = AcceptRange.parse(accept)
        var best: (format: SimpleFormat, quality: Int, position: Int)?
        for offer in offers {
            guard let range = ranges.filter({ $0.matches(offer.type, offer.subtype) })
                .max(by: { ($0.specificity, -$0.position) < ($1.specificity, -$1.position) }),
                range.quality > 0
            else { continue }
            // Offers are listed HTML first, so on a full tie (same range) the earlier offer, HTML, stays.
            if let current = best, (current.quality, -current.position) >= (range.quality, -range.position) { continue }
            best = (offer.format, range.quality, range.position)
        }
        return best?.format
    }

    private static let offers: [(type: String, subtype: String, format: SimpleFormat)] = [
        ("text", "html", .html),
        ("application", "vnd.pypi.simple.v1+html", .html),
        ("application", "vnd.pypi.simple.latest+html", .html),
        ("application", "vnd.pypi.simple.v1+json", .json),
        ("application", "vnd.pypi.simple.latest+json", .json),
    ]
}

/// One media range of an Accept header.
private struct AcceptRange {
    var type: String
    var subtype: String
    /// q × 1000, 0...1000.
    var quality: Int
    var position: Int

    /// 2 for `type/subtype`, 1 for `type/*`, 0 for `*/*`.
    var specificity: Int { type == "*" ? 0 : subtype == "*" ? 1 : 2 }

    func matches(_ otherType: String, _ otherSubtype: String) -> Bool {
        (type == "*" || type == otherType) && (subtype == "*" || subtype == otherSubtype)
    }

    /// Ranges in header order; malformed ones (no `/`, `*/html`, a q that is not a number in 0...1) are skipped.
    static func parse(_ header: String) -> [AcceptRange] {
        var ranges: [AcceptRange] = []
        for (position, item) in header.split(separator: ",").prefix(64).enumerated() {
            let pieces = item.split(separator: ";", omittingEmptySubsequences: false)
            let mediaType = pieces[0].trimmingCharacters(in: .whitespaces).lowercased()
            let halves = mediaType.split(separator: "/", omittingEmptySubsequences: false)
            guard halves.count == 2, !halves[0].isEmpty, !halves[1].isEmpty, halves[0] != "*" || halves[1] == "*" else {
                continue
            }
            var quality: Int? = 1000
            for parameter in pieces.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "q" else { continue }
                quality = pair.count == 2 ? parseQuality(pair[1]) : nil
                break  // what follows q are accept-extensions
            }
            guard let quality else { continue }
            ranges.append(AcceptRange(type: String(halves[0]), subtype: String(halves[1]), quality: quality, position: position))
        }
        return ranges
    }

    private static func parseQuality(_ text: Substring) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 8,
              trimmed.utf8.allSatisfy({ PyByte.isDigit($0) || $0 == UInt8(ascii: ".") }),
              let value = Double(trimmed), value >= 0, value <= 1
        else { return nil }
        return Int((value * 1000).rounded())
    }
}

/// A file as Depot serves it on a project page.
public struct ServedFile: Sendable, Equatable {
    public var filename: String
    /// The Depot URL of the file (absolute, or relative to the project page), percent-encoded.
    public var url: String
    public var sha256: String?
    public var requiresPython: String?
    /// nil = not yanked; "" = yanked without a reason; otherwise the reason.
    public var yanked: String?
    /// Present when Depot can serve `<url>.metadata` (PEP 658/714).
    public var coreMetadataSHA256: String?
    public var size: Int64?
    public var uploadTime: String?

    public init(
        filename: String, url: String, sha256: String? = nil, requiresPython: String? = nil, yanked: String? = nil,
        coreMetadataSHA256: String? = nil, size: Int64? = nil, uploadTime: String? = nil
    ) {
        self.filename = filename
        self.url = url
        self.sha256 = sha256
        self.requiresPython = requiresPython
        self.yanked = yanked
        self.coreMetadataSHA256 = coreMetadataSHA256
        self.size = size
        self.uploadTime = uploadTime
    }
}

/// Writes the simple API pages Depot serves: PEP 503 HTML and PEP 691 JSON (API version 1.1,
/// with PEP 592 yanking, PEP 658/714 core metadata and PEP 700 versions, sizes and upload times).
public enum SimplePage {
    public static let apiVersion = "1.1"

    // MARK: - Root page

    /// One link per project to `<normalised name>/`, the name as given for text.
    public static func projectListHTML(projects: [String]) -> String {
        var html = head(title: "Simple index")
        for project in projects {
            html += "    <a href=\"\(escape(pathSegment(ProjectName.normalize(project))))/\">\(escape(project))</a>\n"
        }
        html += "  </body>\n</html>\n"
        return html
    }

    /// `{"meta":{"api-version":"1.1"},"projects":[{"name":…},…]}`
    public static func projectListJSON(projects: [String]) -> [UInt8] {
        var json = JSONText()
        json.raw("{\"meta\":{\"api-version\":")
        json.string(apiVersion)
        json.raw("},\"projects\":[")
        for (index, project) in projects.enumerated() {
            json.raw(index == 0 ? "{\"name\":" : ",{\"name\":")
            json.string(project)
            json.raw("}")
        }
        json.raw("]}")
        return json.bytes
    }

    // MARK: - Project page

    /// PEP 503 links with `#sha256=` fragments, `data-requires-python`, `data-yanked`, and both
    /// `data-core-metadata` and `data-dist-info-metadata` (PEP 714); every attribute and text escaped.
    public static func projectHTML(name: String, files: [ServedFile]) -> String {
        var html = head(title: "Links for \(name)")
        html += "    <h1>Links for \(escape(name))</h1>\n"
        for file in files {
            var href = withoutFragment(file.url)
            if let sha256 = file.sha256 { href += "#sha256=" + sha256 }
            var anchor = "    <a href=\"\(escape(href))\""
            if let requiresPython = file.requiresPython {
                anchor += " data-requires-python=\"\(escape(requiresPython))\""
            }
            if let yanked = file.yanked {
                anchor += " data-yanked=\"\(escape(yanked))\""
            }
            if let metadata = file.coreMetadataSHA256 {
                let value = escape("sha256=" + metadata)
                anchor += " data-core-metadata=\"\(value)\" data-dist-info-metadata=\"\(value)\""
            }
            html += anchor + ">\(escape(file.filename))</a><br>\n"
        }
        html += "  </body>\n</html>\n"
        return html
    }

    /// PEP 691 v1.1: `meta`, the normalised `name`, `versions` (PEP 700) and `files`.
    public static func projectJSON(name: String, versions: [String], files: [ServedFile]) -> [UInt8] {
        var json = JSONText()
        json.raw("{\"meta\":{\"api-version\":")
        json.string(apiVersion)
        json.raw("},\"name\":")
        json.string(ProjectName.normalize(name))
        json.raw(",\"versions\":[")
        for (index, version) in versions.enumerated() {
            if index > 0 { json.raw(",") }
            json.string(version)
        }
        json.raw("],\"files\":[")
        for (index, file) in files.enumerated() {
            json.raw(index == 0 ? "{" : ",{")
            json.raw("\"filename\":")
            json.string(file.filename)
            json.raw(",\"url\":")
            json.string(withoutFragment(file.url))
            json.raw(",\"hashes\":{")
            if let sha256 = file.sha256 {
                json.raw("\"sha256\":")
                json.string(sha256)
            }
            json.raw("}")
            if let requiresPython = file.requiresPython {
                json.raw(",\"requires-python\":")
                json.string(requiresPython)
            }
            json.raw(",\"yanked\":")
            switch file.yanked {
            case nil: json.raw("false")
            case "": json.raw("true")
            case let reason?: json.string(reason)
            }
            // Only the PEP 714 name: pip 22.3–23.1 crashes on a `dist-info-metadata` object in JSON (the HTML
            // page keeps both attribute names, which those versions read safely).
            for key in ["core-metadata"] {
                json.raw(",\"\(key)\":")
                if let metadata = file.coreMetadataSHA256 {
                    json.raw("{\"sha256\":")
                    json.string(metadata)
                    json.raw("}")
                } else {
                    json.raw("false")
                }
            }
            if let size = file.size {
                json.raw(",\"size\":\(size)")
            }
            if let uploadTime = file.uploadTime {
                json.raw(",\"upload-time\":")
                json.string(uploadTime)
            }
            json.raw("}")
        }
        json.raw("]}")
        return json.bytes
    }

    // MARK: - Escaping

    /// Escapes `& < > " '` for HTML text and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func head(title: String) -> String {
        """
        <!DOCTYPE html>
        <html>
          <head>
            <meta name="pypi:repository-version" content="\(apiVersion)">
            <title>\(escape(title))</title>
          </head>
          <body>

        """
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    private static func pathSegment(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if PyByte.isAlphanumeric(byte) || byte == 0x2d || byte == 0x2e || byte == 0x5f || byte == 0x7e {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    private static func withoutFragment(_ url: String) -> String {
        url.firstIndex(of: "#").map { String(url[..<$0]) } ?? url
    }
}

/// A JSON text written by hand, so key order is fixed and nothing is escaped that need not be.
private struct JSONText {
    var bytes: [UInt8] = []

    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0a: raw("\\n")
            case 0x0d: raw("\\r")
            case 0x09: raw("\\t")
            case 0x00..<0x20, 0x7f:
                raw("\\u00" + String(byte, radix: 16).leftPadded(to: 2))
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
