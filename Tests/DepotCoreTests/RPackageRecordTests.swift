import DepotCore
import Testing

@Suite struct RPackageRecordTests {
    @Test func aValidRecordKeepsItsFieldsAndNamesItsTarball() throws {
        let record = try RPackageRecord(fields: [
            ("Package", "beta"), ("Version", "1.0-3"), ("Imports", "alpha (>= 0.1)"),
            ("License", "MIT + file LICENSE"), ("MD5sum", "3A75F53907EE3D28AFF22886B4458EA8"), ("NeedsCompilation", "no"),
        ])
        #expect(record.name == "beta")
        #expect(record.version.text == "1.0-3")
        #expect(record.fields.map(\.name) == ["Package", "Version", "Imports", "License", "MD5sum", "NeedsCompilation"])
        #expect(record["Imports"] == "alpha (>= 0.1)")
        #expect(record["Suggests"] == nil)
        #expect(record.md5sum == "3a75f53907ee3d28aff22886b4458ea8")
        #expect(record.license == "MIT + file LICENSE")
        #expect(record.tarballName == "beta_1.0-3.tar.gz")
        #expect(record.relativePath == "beta_1.0-3.tar.gz")
        #expect(record.licenseFamilies == [[.mit]])
        #expect(record.fieldDictionary["NeedsCompilation"] == "no")
    }

    @Test func fileAndPathNameTheDownload() throws {
        let record = try RPackageRecord(fields: [("Package", "alpha"), ("Version", "0.1"), ("File", "alpha_0.1.tgz"), ("Path", "bin/4.2")])
        #expect(record.tarballName == "alpha_0.1.tgz")
        #expect(record.relativePath == "bin/4.2/alpha_0.1.tgz")
    }

    @Test(arguments: ["R.utils", "data.table", "A3", "ab", "x1", "Rcpp"])
    func validNames(_ name: String) throws {
        #expect(RPackageRecord.isValidName(name))
        #expect(try RPackageRecord(fields: [("Package", name), ("Version", "1.0")]).name == name)
    }

    @Test(arguments: ["a", "1ab", "ab.", ".ab", "a_b", "a-b", "ünï", "a b", "", "ab/..", "ab\n"])
    func invalidNames(_ name: String) {
        #expect(!RPackageRecord.isValidName(name))
        #expect(throws: RPackageRecordError.invalidName(name)) { try RPackageRecord(fields: [("Package", name), ("Version", "1.0")]) }
    }

    @Test(arguments: ["1", "1..0", "1.0-", "-1.0", "1.0a", "", "v1.0", "1.0 ", "1,0", "１.０"])
    func invalidVersions(_ version: String) {
        #expect(RPackageVersion(version) == nil)
        #expect(throws: RPackageRecordError.invalidVersion(version)) { try RPackageRecord(fields: [("Package", "ab"), ("Version", version)]) }
    }

    @Test func missingFieldsAndBadChecksums() {
        #expect(throws: RPackageRecordError.missingField("Package")) { try RPackageRecord(fields: [("Version", "1.0")]) }
        #expect(throws: RPackageRecordError.missingField("Version")) { try RPackageRecord(fields: [("Package", "ab")]) }
        #expect(throws: RPackageRecordError.invalidMD5("xyz")) { try RPackageRecord(fields: [("Package", "ab"), ("Version", "1.0"), ("MD5sum", "xyz")]) }
        let notHex = String(repeating: "g", count: 32)
        #expect(throws: RPackageRecordError.invalidMD5(notHex)) { try RPackageRecord(fields: [("Package", "ab"), ("Version", "1.0"), ("MD5sum", notHex)]) }
        #expect("\(RPackageRecordError.missingField("Version"))" == "the record has no Version field")
    }

    @Test(arguments: [
        ("File", "../evil.tar.gz"), ("File", "/etc/passwd"), ("File", "a/b.tar.gz"), ("File", ".."), ("File", "."), ("File", ""),
        ("File", "a\\b.tar.gz"), ("File", "%2e%2e"), ("File", "C:x.zip"), ("File", "a b.tar.gz"),
        ("Path", ".."), ("Path", "Older/../.."), ("Path", "/abs"), ("Path", "a//b"), ("Path", "a/"), ("Path", "./a"), ("Path", "a\\..\\b"),
    ])
    func unsafePathsAreRejected(field: String, value: String) {
        #expect(throws: RPackageRecordError.unsafePath(field: field, value: value)) {
            try RPackageRecord(fields: [("Package", "ab"), ("Version", "1.0"), (field, value)])
        }
    }

    @Test func safePathsAreAccepted() throws {
        let record = try RPackageRecord(fields: [("Package", "ab"), ("Version", "1.0"), ("File", "ab_1.0.tar.gz"), ("Path", "Older/2023-01")])
        #expect(record.relativePath == "Older/2023-01/ab_1.0.tar.gz")
    }

    /// `package_version` ordering, checked against R 4.2 (`package_version("1.0") == package_version("1.0.0")`).
    @Test(arguments: [
        ("0.9", "0.10"), ("1.9.9", "1.10"), ("1.0", "1.0.1"), ("1.0-1", "1.0-2"), ("1.0-9", "1.0.10"),
        ("2.99999999999999999999", "3.0"), ("1.2147483647", "1.2147483648"), ("0.1-2", "1.0.0"), ("2023.1.1", "2024.0"),
    ])
    func versionOrder(lower: String, higher: String) throws {
        let (a, b) = (try #require(RPackageVersion(lower)), try #require(RPackageVersion(higher)))
        #expect(a < b)
        #expect(!(b < a))
        #expect(a != b)
    }

    @Test(arguments: [("1.0", "1.0.0"), ("1.0-1", "1.0.1"), ("01.2", "1.2"), ("1.0-0", "1.0"), ("1.0", "1.0.0.0")])
    func equalVersions(_ a: String, _ b: String) throws {
        let (x, y) = (try #require(RPackageVersion(a)), try #require(RPackageVersion(b)))
        #expect(x == y)
        #expect(x.hashValue == y.hashValue)
        #expect(!(x < y) && !(y < x))
    }

    @Test func aWholeIndexKeepsGoodEntriesAndRejectsBadOnes() throws {
        let text = """
        Package: good
        Version: 1.0

        Package: bad
        Version: one

        Version: 2.0

        Package: evil
        Version: 1.0
        File: ../../etc/passwd

        Package: good
        Version: 1.1
        """
        let (records, rejected) = try RPackageRecord.parseIndex(text)
        #expect(records.map(\.tarballName) == ["good_1.0.tar.gz", "good_1.1.tar.gz"])
        #expect(rejected == [
            .init(package: "bad", error: .invalidVersion("one")),
            .init(package: nil, error: .missingField("Package")),
            .init(package: "evil", error: .unsafePath(field: "File", value: "../../etc/passwd")),
        ])
        #expect(RPackageRecord.latest(records).map(\.version.text) == ["1.1"])
        #expect(throws: DCFError.self) { try RPackageRecord.parseIndex("Package: a\nPackage: b\n") }
    }

    @Test func latestKeepsTheHighestVersionInFirstAppearanceOrder() throws {
        let records = try [("bb", "1.0"), ("aa", "2.0"), ("bb", "1.10"), ("aa", "2.0.0"), ("bb", "1.9")].map {
            try RPackageRecord(fields: [("Package", $0.0), ("Version", $0.1)])
        }
        #expect(RPackageRecord.latest(records).map { "\($0.name) \($0.version)" } == ["bb 1.10", "aa 2.0"])
    }
}
