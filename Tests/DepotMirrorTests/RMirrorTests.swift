import Crypto
import DepotCore
import DepotStore
import Foundation
import Testing

@testable import DepotMirror

@Suite struct RMirrorTests {
    static func md5(_ bytes: [UInt8]) -> String { Insecure.MD5.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    /// A CRAN-like upstream: `src/contrib/PACKAGES.gz` and the tarballs.
    static func upstream(_ packages: [(name: String, version: String, license: String, bytes: [UInt8])], extra: String = "") throws -> FakeUpstream {
        let upstream = FakeUpstream()
        var text = ""
        for p in packages {
            upstream.set("src/contrib/\(p.name)_\(p.version).tar.gz", p.bytes)
            text += "Package: \(p.name)\nVersion: \(p.version)\nLicense: \(p.license)\nMD5sum: \(md5(p.bytes))\nNeedsCompilation: no\n\n"
        }
        text += extra
        upstream.set("src/contrib/PACKAGES.gz", try Gzip.compress(Array(text.utf8)))
        return upstream
    }

    static func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255) } }

    /// Adds a binary directory (`bin/windows/contrib/4.4`) to `upstream`: the files and a PACKAGES(.gz) listing them.
    /// An entry whose `file` is set is listed with that `File:` and stored under it.
    static func binaries(
        _ upstream: FakeUpstream, _ directory: String, _ packages: [(name: String, version: String, license: String, bytes: [UInt8], file: String?)],
        gzip: Bool = true
    ) throws {
        let ending = directory.hasPrefix("bin/windows") ? ".zip" : ".tgz"
        var text = ""
        for p in packages {
            upstream.set("\(directory)/\(p.file ?? "\(p.name)_\(p.version)\(ending)")", p.bytes)
            text += "Package: \(p.name)\nVersion: \(p.version)\nLicense: \(p.license)\nMD5sum: \(md5(p.bytes))\n"
            text += "Built: R 4.4.1; ; 2024-07-01 00:00:00 UTC; windows\n" + (p.file.map { "File: \($0)\n" } ?? "") + "\n"
        }
        if gzip {
            upstream.set("\(directory)/PACKAGES.gz", try Gzip.compress(Array(text.utf8)))
        } else {
            upstream.set("\(directory)/PACKAGES", Array(text.utf8))
        }
    }

    func mirror(
        _ f: MirrorFixture, _ channel: ChannelRecord, url: String, mode: MirrorMode = .active, exclude: String = "", include: String = "",
        licences: [String] = []
    ) async throws -> MirrorRecord {
        var record = MirrorRecord(channelID: channel.id!, name: "cran", type: "r", mode: mode.rawValue, sourceURL: url, subdirs: [], cron: "0 0 1 * *")
        record.exclude = exclude
        record.include = include
        record.licenseExclude = licences.joined(separator: "\n")
        return try await f.database.createMirror(record, by: .system)
    }

    @Test func filtersByNameAndLicenceVerifiesMD5AndArchivesSupersededVersions() async throws {
        let f = try await MirrorFixture()
        var bad = Self.bytes(300)
        let upstream = try Self.upstream([
            ("alpha", "1.0", "GPL-2 | GPL-3", Self.bytes(500)),
            ("agplonly", "1.0", "AGPL-3", Self.bytes(400)),
            ("dual", "2.0", "AGPL-3 | MIT + file LICENSE", Self.bytes(400)),
            ("plumber", "1.2", "MIT + file LICENSE", Self.bytes(400)),
            ("pkgdown", "2.0", "MIT + file LICENSE", Self.bytes(400)),
            ("broken", "0.1", "MIT", bad),
        ], extra: "Package: noversion\nLicense: MIT\n\nPackage: sneaky\nVersion: 1.0\nFile: ../../etc/passwd\n\n")
        bad[0] ^= 0xFF
        upstream.set("src/contrib/broken_0.1.tar.gz", bad)
        try await upstream.serve { url in
            let channel = try await f.channel("rr")
            let mirror = try await mirror(f, channel, url: url, exclude: "p*", include: "plumber", licences: ["AGPL-3"])
            let run = try await f.run(mirror)
            #expect(run.status == "completed")
            let kept = try await f.database.packages(channelID: channel.id!, subdir: "cran/src/contrib").map(\.name).sorted()
            #expect(kept == ["alpha", "dual", "plumber"])
            let reasons = Dictionary(grouping: try await f.database.filtered(runID: run.id!), by: \.reason).mapValues { $0.map(\.filename).sorted() }
            #expect(reasons["license"] == ["agplonly"])
            #expect(reasons["excluded"] == ["pkgdown"])
            #expect(reasons["hash_mismatch"] == ["broken_0.1.tar.gz"])
            #expect(reasons["invalid_record"] == ["noversion"])
            #expect(reasons["invalid_filename"] == ["sneaky"])

            // A new version supersedes alpha 1.0, which moves to Archive/alpha/.
            let newer = try Self.upstream([("alpha", "1.1", "GPL-2", Self.bytes(500)), ("dual", "2.0", "MIT", Self.bytes(10)), ("plumber", "1.2", "MIT", Self.bytes(10))])
            upstream.set("src/contrib/PACKAGES.gz", newer.state.withLockedValue { $0.files["src/contrib/PACKAGES.gz"]! })
            upstream.set("src/contrib/alpha_1.1.tar.gz", newer.state.withLockedValue { $0.files["src/contrib/alpha_1.1.tar.gz"]! })
            let second = try await f.run(mirror)
            #expect(second.status == "completed")
            #expect(try await f.database.packages(channelID: channel.id!, subdir: "cran/src/contrib").first { $0.name == "alpha" }?.version == "1.1")
            let archived = try await f.database.packages(channelID: channel.id!, subdir: "cran/src/contrib/Archive/alpha")
            #expect(archived.map(\.filename) == ["alpha_1.0.tar.gz"])
            #expect(archived.first?.blobSHA256 != nil)
        }
    }

    @Test func aTruncatedIndexFailsTheRunClearly() async throws {
        let f = try await MirrorFixture()
        let upstream = try Self.upstream([("alpha", "1.0", "MIT", Self.bytes(100))])
        let gz = upstream.state.withLockedValue { $0.files["src/contrib/PACKAGES.gz"]! }
        upstream.set("src/contrib/PACKAGES.gz", Array(gz.prefix(gz.count / 2)))
        try await upstream.serve { url in
            let channel = try await f.channel("rr")
            let run = try await f.run(try await mirror(f, channel, url: url))
            #expect(run.status == "failed")
            #expect(run.error?.contains("PACKAGES.gz could not be decompressed") == true)
        }
    }

    static let windows = "bin/windows/contrib/4.4", macArm = "bin/macosx/big-sur-arm64/contrib/4.4"

    @Test func mirrorsTheBinaryDirectoriesASourceOffers() async throws {
        // Given a source with src/contrib, Windows binaries for R 4.4 (a non-R file, a wrong MD5, an excluded
        // licence among them) and macOS arm64 binaries for R 4.4 indexed by a plain PACKAGES.
        let f = try await MirrorFixture()
        let alphaZip = Self.bytes(700), alphaTgz = Self.bytes(600)
        var broken = Self.bytes(300)
        let upstream = try Self.upstream([("alpha", "1.0", "GPL-2", Self.bytes(500)), ("agplonly", "1.0", "AGPL-3", Self.bytes(100))])
        try Self.binaries(upstream, Self.windows, [
            ("alpha", "1.0", "GPL-2", alphaZip, nil),
            ("agplonly", "1.0", "AGPL-3", Self.bytes(100), nil),
            ("sourcey", "1.0", "MIT", Self.bytes(100), "sourcey_1.0.tar.gz"),
            ("broken", "0.1", "MIT", broken, nil),
        ])
        broken[0] ^= 0xFF
        upstream.set("\(Self.windows)/broken_0.1.zip", broken)
        try Self.binaries(upstream, Self.macArm, [("alpha", "1.0", "GPL-2", alphaTgz, nil)], gzip: false)
        try await upstream.serve { url in
            let channel = try await f.channel("rr")
            let mirror = try await mirror(f, channel, url: url, licences: ["AGPL-3"])

            // When it runs.
            let run = try await f.run(mirror)

            // Then both directories are mirrored beside src/contrib, verified, under their CRAN paths.
            #expect(run.status == "completed")
            #expect(run.error == nil)
            let zips = try await f.database.packages(channelID: channel.id!, subdir: "cran/\(Self.windows)")
            #expect(zips.map(\.filename) == ["alpha_1.0.zip"])
            #expect(zips.first?.upstreamURL == "\(url)/\(Self.windows)/alpha_1.0.zip")
            #expect(zips.first?.record.contains("Built: R 4.4.1") == true)
            let zipBlob = try #require(zips.first?.blobSHA256)
            #expect(try Array(Data(contentsOf: try #require(await f.blobs.fileURL(sha256: zipBlob)))) == alphaZip)
            let tgzs = try await f.database.packages(channelID: channel.id!, subdir: "cran/\(Self.macArm)")
            #expect(tgzs.map(\.filename) == ["alpha_1.0.tgz"])
            let tgzBlob = try #require(tgzs.first?.blobSHA256)
            #expect(try Array(Data(contentsOf: try #require(await f.blobs.fileURL(sha256: tgzBlob)))) == alphaTgz)
            #expect(try await f.database.packages(channelID: channel.id!, subdir: "cran/src/contrib").map(\.name) == ["alpha"])

            // Each binary file is filtered for its own reason, against its directory.
            let binaryFiltered = try await f.database.filtered(runID: run.id!).filter { $0.subdir == "cran/\(Self.windows)" }
            let reasons = Dictionary(grouping: binaryFiltered, by: \.reason).mapValues { $0.map(\.filename).sorted() }
            #expect(reasons == ["license": ["agplonly"], "not_r_package": ["sourcey"], "hash_mismatch": ["broken_0.1.zip"]])
            #expect(binaryFiltered.first { $0.reason == "not_r_package" }?.detail.contains(Self.windows) == true)
            #expect(run.keptCount == 3)

            // Every other directory was looked for once, through PACKAGES.gz then PACKAGES.
            #expect(upstream.count("bin/windows/contrib/4.3/PACKAGES.gz") == 1)
            #expect(upstream.count("bin/windows/contrib/4.3/PACKAGES") == 1)
            #expect(upstream.count("bin/macosx/big-sur-x86_64/contrib/4.6/PACKAGES") == 1)
            #expect(upstream.count("\(Self.windows)/PACKAGES") == 0)

            // When a new Windows binary replaces the old one and the macOS directory goes away,
            let newer = Self.bytes(800)
            try Self.binaries(upstream, Self.windows, [("alpha", "1.1", "GPL-2", newer, nil)])
            upstream.remove("\(Self.macArm)/PACKAGES")
            let second = try await f.run(mirror)

            // then the old binary is dropped (no Archive for binaries) and so is the directory.
            #expect(second.status == "completed")
            #expect(try await f.database.packages(channelID: channel.id!, subdir: "cran/\(Self.windows)").map(\.filename) == ["alpha_1.1.zip"])
            #expect(try await f.database.packages(channelID: channel.id!, subdir: "cran/\(Self.windows)/Archive/alpha").isEmpty)
            #expect(try await f.database.packages(channelID: channel.id!, subdir: "cran/\(Self.macArm)").isEmpty)
            #expect(try await f.database.filtered(runID: second.id!).filter { $0.subdir.hasPrefix("cran/bin/") }.isEmpty)
        }
    }

    @Test func aSourceWithoutBinariesCostsOneLookPerDirectoryAndNoFailure() async throws {
        let f = try await MirrorFixture()
        let upstream = try Self.upstream([("alpha", "1.0", "MIT", Self.bytes(100))])
        try await upstream.serve { url in
            let channel = try await f.channel("rr")
            let run = try await f.run(try await mirror(f, channel, url: url))
            #expect(run.status == "completed")
            #expect(run.error == nil)
            #expect(try await f.database.packages(mirrorID: try #require(try await f.database.mirrors(channelID: channel.id!).first?.id), subdirPrefix: "cran/bin/").isEmpty)
            #expect(try await f.database.filtered(runID: run.id!).isEmpty)
            for directory in RContribDirectory.binaries {
                #expect(upstream.count("\(directory.path)/PACKAGES.gz") == 1)
                #expect(upstream.count("\(directory.path)/PACKAGES") == 1)
            }
            #expect(RContribDirectory.binaries.count == 4 * RContribDirectory.rVersions.count)
        }
    }

    @Test func aFailingBinaryDirectoryFailsTheRunButSourcesAndOtherBinariesPublish() async throws {
        let f = try await MirrorFixture()
        let upstream = try Self.upstream([("alpha", "1.0", "MIT", Self.bytes(100))])
        try Self.binaries(upstream, Self.windows, [("alpha", "1.0", "MIT", Self.bytes(100), nil)])
        try Self.binaries(upstream, Self.macArm, [("alpha", "1.0", "MIT", Self.bytes(100), nil)])
        try await upstream.serve { url in
            let channel = try await f.channel("rr")
            let mirror = try await mirror(f, channel, url: url)
            #expect(try await f.run(mirror).status == "completed")

            // The Windows directory answers 500 (after retries), the macOS one has a new version.
            upstream.behave("\(Self.windows)/PACKAGES.gz", .status(500))
            try Self.binaries(upstream, Self.macArm, [("alpha", "1.1", "MIT", Self.bytes(100), nil)])
            let run = try await f.run(mirror)
            #expect(run.status == "failed")
            #expect(run.error?.contains("\(Self.windows): ") == true)
            #expect(run.error?.contains("HTTP 500") == true)
            #expect(run.error?.contains("macosx") == false)
            #expect(try await f.database.packages(channelID: channel.id!, subdir: "cran/src/contrib").map(\.filename) == ["alpha_1.0.tar.gz"])
            #expect(try await f.database.packages(channelID: channel.id!, subdir: "cran/\(Self.macArm)").map(\.filename) == ["alpha_1.1.tgz"])
            // What the failing directory served before stays.
            #expect(try await f.database.packages(channelID: channel.id!, subdir: "cran/\(Self.windows)").map(\.filename) == ["alpha_1.0.zip"])

            // A malformed binary index is a failure of that directory too.
            upstream.behave("\(Self.windows)/PACKAGES.gz", nil)
            upstream.set("\(Self.windows)/PACKAGES.gz", try Gzip.compress(Array("Package: x\n continuation\nnot a field\n".utf8)))
            let malformed = try await f.run(mirror)
            #expect(malformed.status == "failed")
            #expect(malformed.error?.contains("\(Self.windows)/PACKAGES is malformed") == true)
        }
    }

    @Test func aPassiveMirrorFetchesABinaryOnItsFirstRequest() async throws {
        let f = try await MirrorFixture()
        let zip = Self.bytes(5000)
        let upstream = try Self.upstream([("alpha", "1.0", "MIT", Self.bytes(100))])
        try Self.binaries(upstream, Self.windows, [("alpha", "1.0", "MIT", zip, nil)])
        try await upstream.serve { url in
            let channel = try await f.channel("rr")
            let run = try await f.run(try await mirror(f, channel, url: url, mode: .passive))
            #expect(run.status == "completed")
            #expect(upstream.count("\(Self.windows)/alpha_1.0.zip") == 0)
            let package = try #require(try await f.database.package(channelID: channel.id!, subdir: "cran/\(Self.windows)", filename: "alpha_1.0.zip"))
            #expect(package.blobSHA256 == nil)
            #expect(package.mode == "passive")

            let passive = PassiveFetcher(parts: f.engine.parts, logger: .init(label: "test"))
            let download = try await passive.download(package)
            var bytes: [UInt8] = []
            while let chunk = try await download.read(from: Int64(bytes.count)) { bytes += chunk.readableBytesView }
            #expect(bytes == zip)
            #expect(upstream.count("\(Self.windows)/alpha_1.0.zip") == 1)
            #expect(try await f.database.package(channelID: channel.id!, subdir: "cran/\(Self.windows)", filename: "alpha_1.0.zip")?.blobSHA256 != nil)
        }
    }
}
