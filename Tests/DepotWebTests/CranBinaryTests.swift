import Crypto
import DepotCore
import DepotMirror
import DepotStore
import DepotWeb
import Foundation
import HTTPTypes
import Testing

/// The binary directories of a channel's CRAN-like repository (`cran/bin/…/contrib/<R version>/`), served the way
/// `cran/src/contrib/` is.
@Suite struct CranBinaryTests {
    /// Stores one R package file in `subdir` of `channel`, as a finished active run would.
    static func stock(_ app: TestApp, channel: ChannelRecord, subdir: String, filename: String, version: String = "1.0", bytes: [UInt8]) async throws {
        let sha = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let md5 = Insecure.MD5.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let blobs = try FileBlobStore(root: app.config.blobsDirectory)
        let temp = blobs.temporaryFileURL()
        try Data(bytes).write(to: temp)
        try await blobs.adopt(temporaryFile: temp, sha256: sha)
        let record = DCF.write([[("Package", "alpha"), ("Version", version), ("License", "MIT"), ("MD5sum", md5)]])
        try await app.database.apply(
            SubdirChange(upserts: [PackageRecord(
                channelID: channel.id!, mirrorID: nil, subdir: subdir, filename: filename, name: "alpha", version: version, build: "",
                size: nil, sha256: nil, md5: md5, record: record, mode: "active", upstreamURL: "http://unused/", blobSHA256: sha)],
                removals: []),
            channelID: channel.id!, mirrorID: nil, subdir: subdir)
    }

    @Test func binaryDirectoriesServeTheirIndexesAndFiles() async throws {
        // Given a channel with a source package and a Windows binary for R 4.4.
        let app = try await TestApp()
        let org = try await app.org("acme")
        let channel = try await app.channel("main", in: org, privacy: "public")
        let zip = Array("PK zip bytes".utf8), tarball = Array("tarball bytes".utf8)
        try await Self.stock(app, channel: channel, subdir: "cran/src/contrib", filename: "alpha_1.1.tar.gz", version: "1.1", bytes: tarball)
        try await Self.stock(app, channel: channel, subdir: "cran/bin/windows/contrib/4.4", filename: "alpha_1.0.zip", bytes: zip)
        try await app.run { client in
            let base = "/api/repo/main/cran/bin/windows/contrib/4.4"
            func get(_ uri: String, headers: HTTPFields = [:], method: HTTPRequest.Method = .get) async throws -> (HTTPResponse.Status, HTTPFields, [UInt8]) {
                let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: nil)
                return (response.status, response.headers, Array(buffer: response.body))
            }

            // PACKAGES lists the binary only, PACKAGES.gz says the same, with validators.
            let (status, headers, body) = try await get("\(base)/PACKAGES")
            #expect(status == .ok)
            let records = try DCF.parse(String(decoding: body, as: UTF8.self))
            #expect(records.count == 1)
            #expect(records.first?.first { $0.0 == "Version" }?.1 == "1.0")
            #expect(headers[.contentType] == "text/plain; charset=utf-8")
            let etag = try #require(headers[.eTag])
            #expect(try await get("\(base)/PACKAGES", headers: [.ifNoneMatch: etag]).0 == .notModified)
            let (gzStatus, _, gz) = try await get("\(base)/PACKAGES.gz")
            #expect(gzStatus == .ok)
            #expect(try Gzip.decompress(gz, limit: 1 << 20) == body)

            // PACKAGES.rds is gzip'd R serialisation (XDR), as R's available.packages reads it first.
            let (rdsStatus, rdsHeaders, rds) = try await get("\(base)/PACKAGES.rds")
            #expect(rdsStatus == .ok)
            #expect(rdsHeaders[.contentType] == "application/octet-stream")
            let unpacked = try Gzip.decompress(rds, limit: 1 << 20)
            #expect(Array(unpacked.prefix(2)) == Array("X\n".utf8))
            #expect(String(decoding: unpacked, as: UTF8.self).contains("alpha"))

            // The file itself, and HEAD.
            let (fileStatus, fileHeaders, file) = try await get("\(base)/alpha_1.0.zip")
            #expect(fileStatus == .ok)
            #expect(file == zip)
            #expect(fileHeaders[.cacheControl]?.contains("immutable") == true)
            let (headStatus, headHeaders, _) = try await get("\(base)/alpha_1.0.zip", method: .head)
            #expect(headStatus == .ok)
            #expect(headHeaders[.contentLength] == String(zip.count))

            // src/contrib still lists only the source package.
            let (_, _, source) = try await get("/api/repo/main/cran/src/contrib/PACKAGES")
            #expect(try DCF.parse(String(decoding: source, as: UTF8.self)).first?.first { $0.0 == "Version" }?.1 == "1.1")
            #expect(try await get("/api/repo/main/cran/src/contrib/alpha_1.0.zip").0 == .notFound)

            // A known directory without packages, an unknown one, Archive under bin, a file of another directory.
            for missing in [
                "/api/repo/main/cran/bin/windows/contrib/4.3/PACKAGES",
                "/api/repo/main/cran/bin/macosx/big-sur-arm64/contrib/4.4/PACKAGES.rds",
                "/api/repo/main/cran/bin/windows/contrib/9.9/PACKAGES",
                "/api/repo/main/cran/bin/linux/contrib/4.4/PACKAGES",
                "/api/repo/main/cran/bin/windows/contrib/PACKAGES",
                "/api/repo/main/cran/bin/windows/contrib/4.4/Archive/alpha/alpha_0.9.zip",
                "/api/repo/main/cran/bin/windows/contrib/4.3/alpha_1.0.zip",
                "/api/repo/main/cran/bin/windows/contrib/4.4/PACKAGES.bz2",
            ] {
                #expect(try await get(missing).0 == .notFound, "\(missing)")
            }
        }
    }

    @Test func requestPathsNameOnlyTheDirectoriesRKnows() {
        #expect(RContribDirectory.match(["src", "contrib", "PACKAGES"])?.directory == .source)
        let arm = RContribDirectory.match(["bin", "macosx", "big-sur-arm64", "contrib", "4.4", "a_1.0.tgz"])
        #expect(arm?.directory.subdir == "cran/bin/macosx/big-sur-arm64/contrib/4.4")
        #expect(arm.map { Array($0.rest) } == ["a_1.0.tgz"])
        #expect(RContribDirectory.match(["bin", "macosx", "contrib", "4.2", "PACKAGES"])?.directory.fileExtension == ".tgz")
        #expect(RContribDirectory.match(["bin", "windows", "contrib", "4.4"])?.directory.fileExtension == ".zip")
        #expect(RContribDirectory.match(["bin", "windows", "contrib", "3.6", "PACKAGES"]) == nil)
        #expect(RContribDirectory.match(["bin", "macosx", "sonoma-arm64", "contrib", "4.4", "PACKAGES"]) == nil)
        #expect(RContribDirectory.match(["src", "contribx", "PACKAGES"]) == nil)
    }
}
