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

    func mirror(_ f: MirrorFixture, _ channel: ChannelRecord, url: String, exclude: String = "", include: String = "", licences: [String] = []) async throws -> MirrorRecord {
        var record = MirrorRecord(channelID: channel.id!, name: "cran", type: "r", mode: "active", sourceURL: url, subdirs: [], cron: "0 0 1 * *")
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
}
