import Crypto
import DepotCore
import DepotMirror
import DepotStore
import DepotWeb
import Foundation
import HTTPTypes
import Testing

@Suite struct SimpleRepositoryTests {
    static func stock(_ app: TestApp, channel: ChannelRecord, project: String, filename: String, bytes: [UInt8]) async throws {
        let sha = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let blobs = try FileBlobStore(root: app.config.blobsDirectory)
        let temp = blobs.temporaryFileURL()
        try Data(bytes).write(to: temp)
        try await blobs.adopt(temporaryFile: temp, sha256: sha)
        let stored = StoredPythonFile(
            file: SimpleFile(filename: filename, url: "http://unused/\(filename)", hashes: ["sha256": sha], requiresPython: ">=3.8"),
            metadataSHA256: nil, unverified: false)
        try await app.database.apply(
            SubdirChange(upserts: [PackageRecord(
                channelID: channel.id!, mirrorID: nil, subdir: "pypi/\(project)", filename: filename, name: project, version: "1.0", build: "",
                size: Int64(bytes.count), sha256: sha, md5: nil, record: try stored.json(), mode: "active", upstreamURL: "http://unused/", blobSHA256: sha)],
                removals: []),
            channelID: channel.id!, mirrorID: nil, subdir: "pypi/\(project)")
    }

    @Test func negotiatesRedirectsAndServesFiles() async throws {
        let app = try await TestApp()
        let org = try await app.org("acme")
        let channel = try await app.channel("py", in: org, privacy: "public")
        let bytes = Array("wheel bytes".utf8)
        try await Self.stock(app, channel: channel, project: "my-pkg", filename: "my_pkg-1.0-py3-none-any.whl", bytes: bytes)
        try await app.run { client in
            func get(_ path: String, accept: String? = nil) async throws -> (HTTPResponse.Status, HTTPFields, String) {
                var headers: HTTPFields = [:]
                if let accept { headers[.accept] = accept }
                let r = try await client.executeRequest(uri: path, method: .get, headers: headers, body: nil)
                return (r.status, r.headers, String(buffer: r.body))
            }
            let html = try await get("/api/repo/py/simple/my-pkg/")
            #expect(html.0 == .ok)
            #expect(html.1[.contentType] == "text/html; charset=utf-8")
            #expect(html.1[.vary] == "Accept")
            #expect(html.2.contains("href=\"../files/"))
            #expect(html.2.contains("#sha256="))
            #expect(html.2.contains("data-requires-python=\"&gt;=3.8\""))

            let json = try await get("/api/repo/py/simple/my-pkg/", accept: "application/vnd.pypi.simple.v1+json")
            #expect(json.1[.contentType] == "application/vnd.pypi.simple.v1+json")
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.2.utf8)) as? [String: Any])
            #expect((parsed["meta"] as? [String: Any])?["api-version"] as? String == "1.1")
            #expect(parsed["versions"] as? [String] == ["1.0"])

            #expect(try await get("/api/repo/py/simple/my-pkg/", accept: "text/html;q=0.2, application/vnd.pypi.simple.v1+json;q=0.9").1[.contentType]
                == "application/vnd.pypi.simple.v1+json")
            #expect(try await get("/api/repo/py/simple/my-pkg/", accept: "application/json").0 == .notAcceptable)

            let upper = try await get("/api/repo/py/simple/My_Pkg/")
            #expect(upper.0 == .movedPermanently)
            #expect(upper.1[.location] == "/api/repo/py/simple/my-pkg/")
            #expect(try await get("/api/repo/py/simple/my-pkg").1[.location] == "/api/repo/py/simple/my-pkg/")
            #expect(try await get("/api/repo/py/simple").1[.location] == "/api/repo/py/simple/")
            #expect(try await get("/api/repo/py/simple/").2.contains("href=\"my-pkg/\""))
            #expect(try await get("/api/repo/py/simple/nothing-here/").0 == .notFound)

            // The link in the page resolves to the file.
            let start = try #require(html.2.range(of: "href=\"../files/")).upperBound
            let link = String(html.2[start...].prefix { $0 != "#" && $0 != "\"" })
            let file = try await get("/api/repo/py/simple/files/" + link)
            #expect(file.0 == .ok)
            #expect(file.2 == "wheel bytes")
            #expect(try await get("/api/repo/py/simple/files/x/../../etc/passwd").0 != .ok)
        }
    }
}
