import Crypto
import DepotCore
import DepotMirror
import DepotStore
import DepotWeb
import Foundation
import HTTPTypes
import Testing

/// The repository endpoints conda clients use, on a channel whose packages are put in place directly.
@Suite struct RepositoryTests {
    /// Stores one package file in `channel`'s noarch and publishes the index, as a finished run would.
    static func stock(_ app: TestApp, channel: ChannelRecord, filename: String = "hello-1.0-0.conda", bytes: [UInt8]) async throws {
        let sha = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let blobs = try FileBlobStore(root: app.config.blobsDirectory)
        let temp = blobs.temporaryFileURL()
        try Data(bytes).write(to: temp)
        try await blobs.adopt(temporaryFile: temp, sha256: sha)
        let record = #"{"name":"hello","version":"1.0","build":"0","build_number":0,"sha256":"\#(sha)","size":\#(bytes.count),"depends":[]}"#
        try await app.database.apply(
            SubdirChange(upserts: [PackageRecord(
                channelID: channel.id!, mirrorID: nil, subdir: "noarch", filename: filename, name: "hello", version: "1.0", build: "0",
                size: Int64(bytes.count), sha256: sha, md5: nil, record: record, mode: "active", upstreamURL: "http://unused/", blobSHA256: sha)],
                removals: []),
            channelID: channel.id!, mirrorID: nil, subdir: "noarch")
        try await IndexPublisher(database: app.database, root: app.config.dataDirectory.appendingPathComponent("indexes"))
            .publish(channelID: channel.id!, subdir: "noarch")
    }

    @Test func indexesHaveValidatorsAndAnswerConditionalRequests() async throws {
        let app = try await TestApp()
        let org = try await app.org("acme")
        let channel = try await app.channel("main", in: org, privacy: "public")
        let bytes = Array("package bytes".utf8)
        try await Self.stock(app, channel: channel, bytes: bytes)
        try await app.run { client in
            let index = try await client.executeRequest(uri: "/api/repo/main/noarch/repodata.json", method: .get, headers: [:], body: nil)
            #expect(index.status == .ok)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: index.body)) as? [String: Any])
            #expect((json["info"] as? [String: Any])?["subdir"] as? String == "noarch")
            #expect((json["packages.conda"] as? [String: Any])?["hello-1.0-0.conda"] != nil)
            #expect(json["packages"] != nil)
            let etag = try #require(index.headers[.eTag])
            #expect(!etag.hasPrefix("W/"))
            #expect(index.headers[.cacheControl] == "public, max-age=30")
            let lastModified = try #require(index.headers[.lastModified])

            let again = try await client.executeRequest(uri: "/api/repo/main/noarch/repodata.json", method: .get, headers: [.ifNoneMatch: etag], body: nil)
            #expect(again.status == .notModified)
            let since = try await client.executeRequest(uri: "/api/repo/main/noarch/repodata.json", method: .get, headers: [.ifModifiedSince: lastModified], body: nil)
            #expect(since.status == .notModified)
            let head = try await client.executeRequest(uri: "/api/repo/main/noarch/repodata.json", method: .head, headers: [:], body: nil)
            #expect(head.status == .ok)
            #expect(head.headers[.contentLength] == String(index.body.readableBytes))

            let zst = try await client.executeRequest(uri: "/api/repo/main/noarch/repodata.json.zst", method: .get, headers: [:], body: nil)
            #expect(zst.status == .ok)
            #expect(zst.headers[.eTag] != etag)
            #expect(try Zstd.decompress(Array(buffer: zst.body), limit: 1 << 20) == Array(buffer: index.body))

            let file = try await client.executeRequest(uri: "/api/repo/main/noarch/hello-1.0-0.conda", method: .get, headers: [:], body: nil)
            #expect(Array(buffer: file.body) == bytes)
            #expect(file.headers[.cacheControl]?.contains("immutable") == true)
            let range = try await client.executeRequest(uri: "/api/repo/main/noarch/hello-1.0-0.conda", method: .get, headers: [.range: "bytes=0-6"], body: nil)
            #expect(range.status == .partialContent)
            #expect(String(buffer: range.body) == "package")
            #expect(range.headers[.contentRange] == "bytes 0-6/\(bytes.count)")
            let unsatisfiable = try await client.executeRequest(uri: "/api/repo/main/noarch/hello-1.0-0.conda", method: .get, headers: [.range: "bytes=999-"], body: nil)
            #expect(unsatisfiable.status == .rangeNotSatisfiable)

            // noarch and channeldata.json always exist; other subdirs do not until mirrored.
            let empty = try await app.channel("empty", in: org, privacy: "public")
            _ = empty
            let emptyIndex = try await client.executeRequest(uri: "/api/repo/empty/noarch/repodata.json", method: .get, headers: [:], body: nil)
            #expect(emptyIndex.status == .ok)
            #expect(String(buffer: emptyIndex.body).contains("\"packages.conda\":{}"))
            #expect(try await client.executeRequest(uri: "/api/repo/empty/linux-64/repodata.json", method: .get, headers: [:], body: nil).status == .notFound)
            let channeldata = try await client.executeRequest(uri: "/api/repo/main/channeldata.json", method: .get, headers: [:], body: nil)
            #expect(String(buffer: channeldata.body).contains("\"hello\""))

            for bad in ["/api/repo/main/noarch/../noarch/repodata.json", "/api/repo/main/noarch/missing-1.0-0.conda", "/api/repo/main/NoArch/repodata.json", "/api/repo/nope/noarch/repodata.json"] {
                let response = try await client.executeRequest(uri: bad, method: .get, headers: [:], body: nil)
                #expect(response.status == .notFound || response.status == .unauthorized || response.status == .badRequest, "\(bad)")
            }
        }
    }

    @Test func privateChannelsNeedASessionOrAToken() async throws {
        let app = try await TestApp()
        let org = try await app.org("acme"), other = try await app.org("other")
        try await app.user("member", role: .viewer, in: org)
        try await app.user("stranger", role: .owner, in: other)
        let channel = try await app.channel("secret", in: org, privacy: "private")
        try await Self.stock(app, channel: channel, bytes: Array("secret bytes".utf8))
        let member = try await TokenMinter.mint(database: app.database, user: try await app.database.user(named: "member")!, name: "t", by: .system)
        let stranger = try await TokenMinter.mint(database: app.database, user: try await app.database.user(named: "stranger")!, name: "t", by: .system)
        try await app.run { client in
            let path = "/api/repo/secret/noarch/repodata.json"
            #expect(try await client.executeRequest(uri: path, method: .get, headers: [:], body: nil).status == .unauthorized)
            #expect(try await client.executeRequest(uri: "/t/\(member)\(path)", method: .get, headers: [:], body: nil).status == .ok)
            #expect(try await client.executeRequest(uri: "/t/\(member)/api/repo/secret/noarch/hello-1.0-0.conda", method: .get, headers: [:], body: nil).status == .ok)
            #expect(try await client.executeRequest(uri: "/t/\(stranger)\(path)", method: .get, headers: [:], body: nil).status == .notFound)
            #expect(try await client.executeRequest(uri: "/t/dpt_wrong\(path)", method: .get, headers: [:], body: nil).status == .unauthorized)
            let basic = "Basic " + Data("__token__:\(member)".utf8).base64EncodedString()
            #expect(try await client.executeRequest(uri: path, method: .get, headers: [.authorization: basic], body: nil).status == .ok)
            let response = try await client.executeRequest(uri: "/t/\(member)\(path)", method: .get, headers: [:], body: nil)
            #expect(response.headers[.cacheControl] == "private, max-age=30")

            let browser = Browser(client)
            try await browser.login("member")
            #expect(try await browser.get(path).status == .ok)
        }
    }

    @Test func theMirrorFormValidatesChecksRolesAndNeverShowsTokens() async throws {
        let app = try await TestApp()
        let org = try await app.org("acme")
        try await app.user("writer", role: .contributor, in: org)
        try await app.user("viewer", role: .viewer, in: org)
        try await app.channel("main", in: org)
        try await app.run { client in
            let viewer = Browser(client)
            try await viewer.login("viewer")
            #expect(try await viewer.get("/channels/main/-/new-mirror").status == .forbidden)
            #expect(!(try await viewer.get("/channels/main/-/mirrors").body.contains("id=\"new-mirror\"")))

            let writer = Browser(client)
            try await writer.login("writer")
            let form = try await writer.get("/channels/main/-/new-mirror")
            #expect(form.status == .ok)
            #expect(form.body.contains("id=\"warn-not-frozen\""))
            #expect(!form.body.contains("id=\"warn-existing\""))

            let bad = try await writer.post("/channels/main/-/mirrors", [
                ("type", "conda"), ("name", "Up Stream"), ("mode", "sideways"), ("source_url", "ftp://x/t/dpt_secret/c"),
                ("frequency", "custom"), ("cron", "0 0 1 *"),
            ])
            #expect(bad.status == .badRequest)
            for id in ["name-error", "mode-error", "source-url-error", "subdirs-error", "cron-error"] {
                #expect(bad.body.contains("id=\"\(id)\""), "\(id)")
            }
            #expect(!bad.body.contains("dpt_secret"))

            let created = try await writer.post("/channels/main/-/mirrors", [
                ("type", "conda"), ("name", "upstream"), ("mode", "passive"),
                ("source_url", "http://127.0.0.1:9/t/dpt_secret/api/repo/x"), ("subdirs", "noarch"), ("subdirs", "linux-64"),
                ("frequency", "weekly"),
            ])
            #expect(created.location == "/channels/main/-/mirrors")
            let mirror = try #require(try await app.database.mirrors(channelID: try await app.database.channel(fullName: "main")!.id!).first)
            #expect(mirror.cron == "0 0 * * 0")
            #expect(mirror.subdirList == ["noarch", "linux-64"])
            #expect(mirror.sourceURL.contains("dpt_secret"))

            let list = try await writer.get("/channels/main/-/mirrors")
            #expect(list.body.contains("upstream"))
            #expect(list.body.contains("/t/***/api/repo/x"))
            #expect(!list.body.contains("dpt_secret"))
            #expect(try await writer.get("/channels/main/-/new-mirror").body.contains("id=\"warn-existing\""))
            let audit = try await app.database.auditEntries(org: org.id)
            #expect(audit.first?.action == "mirror.create")
            #expect(audit.first?.details.contains("dpt_secret") == false)
        }
    }
}
