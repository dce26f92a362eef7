import CCmark
import Foundation
import Hummingbird

/// Help pages rendered from `Templates/help/*.md` with libcmark.
struct HelpController {
    let services: AppServices
    let pages: [String: (title: String, html: String)]
    let order: [String]

    init(services: AppServices) throws {
        self.services = services
        let directory = services.config.templatesDirectory.appendingPathComponent("help")
        var pages: [String: (String, String)] = [:]
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for file in files.sorted() where file.hasSuffix(".md") {
            let markdown = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            let name = String(file.dropLast(3))
            pages[name] = (Markdown.title(of: markdown) ?? name, Markdown.html(markdown))
        }
        self.pages = pages
        order = ["index"] + pages.keys.filter { $0 != "index" }.sorted()
    }

    func addRoutes(to router: RouterGroup<DepotContext>) {
        router.get("/help", use: { try show(name: "index", context: $1) })
        router.get("/help/:page", use: { try show(name: $1.parameters.require("page"), context: $1) })
    }

    func show(name: String, context: DepotContext) throws -> Response {
        guard let page = pages[name] else { throw AppError.notFound("help page") }
        let links = order.compactMap { key in
            pages[key].map { HelpLink(title: $0.title, url: key == "index" ? SitePath.help : SitePath.helpPage(key), active: key == name) }
        }
        return try services.renderer.response(
            "help", HelpPage(site: Site(context: context, section: "help"), title: page.title, body: page.html, pages: links))
    }
}

/// CommonMark to HTML through libcmark. Raw HTML in the source is dropped (cmark's safe default).
enum Markdown {
    static func html(_ markdown: String) -> String {
        guard let cString = cmark_markdown_to_html(markdown, markdown.utf8.count, CMARK_OPT_DEFAULT | CMARK_OPT_SMART) else {
            return ""
        }
        defer { free(cString) }
        return String(cString: cString)
    }

    /// The text of the first `# ` heading.
    static func title(of markdown: String) -> String? {
        markdown.split(separator: "\n").first { $0.hasPrefix("# ") }.map { String($0.dropFirst(2)).trimmingCharacters(in: .whitespaces) }
    }
}
