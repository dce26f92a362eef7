import Foundation
import HTTPTypes
import Hummingbird

/// Serves a local file with strong validators: `ETag`, `Last-Modified`, `304` on `If-None-Match` /
/// `If-Modified-Since`, `HEAD`, single-range `Range` requests, and the caller's `Cache-Control`.
enum FileResponse {
    static func make(
        _ request: Request, context: DepotContext, file: URL, contentType: String, etag: String, lastModified: Date,
        cacheControl: String
    ) async throws -> Response {
        let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
        guard let size = (attributes?[.size] as? NSNumber)?.intValue else { throw AppError.notFound("file") }
        let quoted = "\"\(etag)\""
        var headers: HTTPFields = [
            .contentType: contentType, .eTag: quoted, .lastModified: HTTPDate.format(lastModified),
            .cacheControl: cacheControl, .acceptRanges: "bytes",
        ]
        if notModified(request, etag: quoted, lastModified: lastModified) {
            return Response(status: .notModified, headers: headers)
        }
        var range: ClosedRange<Int>?
        if let header = request.headers[.range], size > 0 {
            switch parseRange(header, size: size) {
            case .none: break
            case .some(.none):
                headers[.contentRange] = "bytes */\(size)"
                return Response(status: .rangeNotSatisfiable, headers: headers)
            case .some(.some(let r)): range = r
            }
        }
        let status: HTTPResponse.Status = range == nil ? .ok : .partialContent
        let served = range ?? 0...max(0, size - 1)
        if let range { headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)" }
        headers[.contentLength] = String(size == 0 ? 0 : served.count)
        if request.method == .head || size == 0 {
            return Response(status: status, headers: headers)
        }
        let body = try await FileIO().loadFile(path: file.path, range: served, context: context)
        return Response(status: status, headers: headers, body: body)
    }

    static func notModified(_ request: Request, etag: String, lastModified: Date) -> Bool {
        if let match = request.headers[.ifNoneMatch] {
            return match == "*" || match.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "W/", with: "") == etag }
        }
        if let since = request.headers[.ifModifiedSince], let date = HTTPDate.parse(since) {
            return lastModified.timeIntervalSince1970.rounded(.down) <= date.timeIntervalSince1970
        }
        return false
    }

    /// nil: no usable Range header (serve everything); .some(nil): unsatisfiable; .some(range): that range.
    static func parseRange(_ header: String, size: Int) -> ClosedRange<Int>?? {
        guard header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { return nil }
        if parts[0].isEmpty {
            guard let suffix = Int(parts[1]), suffix > 0 else { return .some(nil) }
            return .some(max(0, size - suffix)...(size - 1))
        }
        guard let start = Int(parts[0]), start >= 0 else { return nil }
        guard start < size else { return .some(nil) }
        let end = parts[1].isEmpty ? size - 1 : min(Int(parts[1]) ?? -1, size - 1)
        guard end >= start else { return parts[1].isEmpty ? .some(nil) : nil }
        return .some(start...end)
    }
}

/// RFC 9110 dates (`Sun, 06 Nov 1994 08:49:37 GMT`).
enum HTTPDate {
    static func formatter() -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter
    }

    static func format(_ date: Date) -> String { formatter().string(from: date) }
    static func parse(_ text: String) -> Date? { formatter().date(from: text) }
}
