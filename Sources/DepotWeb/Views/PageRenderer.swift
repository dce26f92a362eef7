import Foundation
import Hummingbird
import Mustache

/// Renders view models with the mustache templates in `Templates/`.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let reload: Bool

    public init(directory: URL, reload: Bool) async throws {
        library = try await MustacheLibrary(directory: directory.path)
        self.reload = reload
    }

    public func html(_ template: String, _ view: some Sendable) throws -> String {
        guard let text = library.render(view, withTemplate: template, reload: reload) else {
            throw HTTPError(.internalServerError, message: "missing template \(template)")
        }
        return text
    }

    public func response(_ template: String, _ view: some Sendable, status: HTTPResponse.Status = .ok) throws -> Response {
        let text = try html(template, view)
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
