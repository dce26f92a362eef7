import DepotCore
import Foundation
import Testing

@Suite struct RepodataTests {
    static let sample = """
        {"info": {"subdir": "linux-64", "base_url": "x"},
         "packages": {"a-1.0-0.tar.bz2": {"name": "a", "version": "1.0", "build": "0", "build_number": 0,
                       "sha256": "\(String(repeating: "ab", count: 32))", "size": 10, "depends": ["b >=1"]}},
         "packages.conda": {"b-2.0-h1_0.conda": {"name":"b","version":"2.0","build":"h1_0","build_number":0,"md5":"\(String(repeating: "0f", count: 16))","size":20,"note":"a \\"quoted\\" {brace} \\u00e9"}},
         "removed": ["old-1.0-0.tar.bz2"], "repodata_version": 1}
        """

    @Test func findsRecordsAndKeepsTheirBytes() throws {
        let result = try RepodataScanner.scan(Array(Self.sample.utf8))
        #expect(result.subdir == "linux-64")
        #expect(result.entries.map(\.filename) == ["a-1.0-0.tar.bz2", "b-2.0-h1_0.conda"])
        #expect(result.entries.map(\.section) == ["packages", "packages.conda"])
        let b = try CondaRecord.parse(result.entries[1].record)
        #expect(b.name == "b")
        #expect(b.md5 == String(repeating: "0f", count: 16))
        #expect(result.entries[1].record.hasSuffix("\\u00e9\"}"))
        let a = try CondaRecord.parse(result.entries[0].record)
        #expect(a.depends == ["b >=1"])
        #expect(a.problem == nil)
    }

    @Test func writerOutputIsValidRepodataWithBothSections() throws {
        let scanned = try RepodataScanner.scan(Array(Self.sample.utf8))
        var writer = RepodataWriter(subdir: "linux-64", flushSize: 16)
        var bytes: [UInt8] = []
        for entry in scanned.entries {
            if let chunk = writer.add(filename: entry.filename, record: entry.record, section: entry.section) { bytes += chunk }
        }
        bytes += writer.finish()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect((json["info"] as? [String: Any])?["subdir"] as? String == "linux-64")
        #expect((json["packages"] as? [String: Any])?.keys.sorted() == ["a-1.0-0.tar.bz2"])
        #expect((json["packages.conda"] as? [String: Any])?.keys.sorted() == ["b-2.0-h1_0.conda"])
        #expect(json["repodata_version"] as? Int == 1)
        // Scanning our own output finds the same records, byte for byte.
        #expect(try RepodataScanner.scan(bytes).entries == scanned.entries)
    }

    @Test func anEmptySubdirStillHasBothSections() throws {
        var writer = RepodataWriter(subdir: "noarch")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(writer.finish())) as? [String: Any])
        #expect((json["packages"] as? [String: Any])?.isEmpty == true)
        #expect((json["packages.conda"] as? [String: Any])?.isEmpty == true)
    }

    @Test(arguments: [
        ("", "the file ends where “{” at the start of repodata was expected (truncated?)"),
        ("[]", "expected “{” at the start of repodata"),
        ("{\"packages\": {\"a.tar.bz2\": {\"name\": \"a\"", "the file ends inside an object (truncated?)"),
        ("{\"packages\": {\"a.tar.bz2\": {\"name\": \"a\"}}", "the file ends inside the top-level object (truncated?)"),
        ("{\"packages\": [1, 2]}", "“packages” must be an object"),
        ("{\"packages\": {\"a\": 3}}", "the record of “a” must be an object"),
        ("{\"x\": tru}", "unexpected “tru”"),
        ("{\"x\": \"a\nb\"}", "control character inside a string"),
        ("{} trailing", "unexpected data after the end of the JSON document"),
        ("{\"x\": nan}", "unexpected “nan”"),
        ("{\"x\": 0x10}", "unexpected “0x10”"),
        ("{\"x\": .5}", "unexpected “.5”"),
        ("{\"x\": 01}", "unexpected “01”"),
        ("{\"x\": \"a\\qb\"}", "bad escape in a string"),
        ("{\"x\": \"\\u12\"}", "bad \\u escape"),
    ])
    func malformedInputIsAClearError(input: String, message: String) {
        #expect(throws: RepodataError.self) { try RepodataScanner.scan(Array(input.utf8)) }
        do {
            _ = try RepodataScanner.scan(Array(input.utf8))
        } catch {
            #expect(error.message == message)
        }
    }

    @Test func deepNestingIsRefused() {
        let deep = "{\"x\":" + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}"
        #expect(throws: RepodataError.self) { try RepodataScanner.scan(Array(deep.utf8)) }
    }

    @Test func recordsWithoutAChecksumOrWithBadOnesAreFlagged() throws {
        #expect(try CondaRecord.parse(#"{"name":"a","version":"1","build":"0"}"#).problem == "no sha256 or md5 to verify the file against")
        #expect(try CondaRecord.parse(#"{"name":"a","version":"1","build":"0","sha256":"zz"}"#).problem == "sha256 is not 64 hexadecimal digits")
        #expect(throws: (any Error).self) { try CondaRecord.parse(#"{"version":"1"}"#) }
    }

    @Test func filenamesAndSubdirs() {
        for good in ["numpy-1.26.4-py311h64a7726_0.conda", "a-1.0-0.tar.bz2", "x_y-1.0+local-0.conda"] {
            #expect(CondaFilename.isSafe(good), "\(good)")
        }
        for bad in ["../etc/passwd", "a/b.conda", "..", ".hidden.conda", "a\\b.conda", "sp ace.conda", "a..b.conda", ""] {
            #expect(!CondaFilename.isSafe(bad), "\(bad)")
        }
        #expect(CondaFormat.of("a-1-0.conda") == .conda)
        #expect(CondaFormat.of("a-1-0.tar.bz2") == .tarBz2)
        #expect(CondaFormat.of("a-1-0.whl") == nil)
        #expect(CondaFilename.isSubdir("linux-64"))
        #expect(CondaFilename.isSubdir("noarch"))
        #expect(!CondaFilename.isSubdir("../x"))
        #expect(!CondaFilename.isSubdir("Linux-64"))
    }
}
