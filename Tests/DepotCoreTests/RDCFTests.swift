import DepotCore
import Foundation
import Testing

@Suite struct RDCFTests {
    @Test func readsRecordsInOrderWithFieldOrderKept() throws {
        let text = "Package: beta\nVersion: 1.0.0\nImports: alpha (>= 0.1)\n\nPackage: alpha\nVersion: 0.1-2\n"
        let records = try DCF.parse(text)
        #expect(records.count == 2)
        #expect(records[0].map(\.0) == ["Package", "Version", "Imports"])
        #expect(records[0].map(\.1) == ["beta", "1.0.0", "alpha (>= 0.1)"])
        #expect(records[1].map(\.1) == ["alpha", "0.1-2"])
    }

    /// The same text R's `read.dcf` reads as
    /// `c(Package = "a", Description = "first line\nsecond   line\nthird\n\nfifth", Version = "1.0")` and a second record `b`, `2`.
    @Test func continuationLinesAreTrimmedAndJoinedAsRDoes() throws {
        let text = "Package: a\nDescription: first line\n   second   line  \n\tthird\n .\n  fifth\nVersion: 1.0  \n\n\n\nPackage: b\r\nVersion: 2\r\n"
        let records = try DCF.parse(text)
        #expect(records.count == 2)
        #expect(records[0].map(\.1) == ["a", "first line\nsecond   line\nthird\n\nfifth", "1.0"])
        #expect(records[1].map(\.0) == ["Package", "Version"])
        #expect(records[1].map(\.1) == ["b", "2"])
    }

    @Test func blankLinesOfSpacesSeparateRecordsAndEdgeValuesAreKept() throws {
        let records = try DCF.parse("\n\nPackage:a\nEmpty:\nX-Y.z: 1\n \t\nVersion: 1\n\n")
        #expect(records.count == 2)
        #expect(records[0].map(\.0) == ["Package", "Empty", "X-Y.z"])
        #expect(records[0].map(\.1) == ["a", "", "1"])
        #expect(records[1].map(\.1) == ["1"])
        #expect(try DCF.parse("").isEmpty)
        #expect(try DCF.parse("\n \n\r\n").isEmpty)
        #expect(try DCF.parse("\u{FEFF}Package: a").first?.first?.0 == "Package")
        // A value may contain colons; only the first one ends the name.
        #expect(try DCF.parse("URL: https://x.org/a:b").first?.first?.1 == "https://x.org/a:b")
    }

    @Test(arguments: [
        ("Package: a\nVersion: 1\nPackage: b\n", 3, "twice"),
        ("Package: a\ngarbage\n", 2, "neither"),
        ("Package: a\n\n# comment\n", 3, "neither"),
        (" lead: x\nPackage: a\n", 1, "continuation"),
        ("Package: a\n\n  orphan\n", 3, "continuation"),
        ("Package: a\nField name: x\n", 2, "whitespace"),
        ("Package: a\n: x\n", 2, "no field name"),
    ])
    func malformedInputNamesTheLine(text: String, line: Int, words: String) {
        let error = #expect(throws: DCFError.self) { try DCF.parse(text) }
        #expect(error?.line == line)
        #expect(error?.message.contains(words) == true, "\(String(describing: error))")
        #expect(error.map { "\($0)".hasPrefix("line \(line): ") } == true)
    }

    @Test func duplicateFieldsAreOnlyAnErrorWithinOneRecord() throws {
        #expect(try DCF.parse("Package: a\n\nPackage: b\n").count == 2)
        let error = #expect(throws: DCFError.self) { try DCF.parse("A: 1\nB: 2\nA: 3\n") }
        #expect(error?.message == "field “A” appears twice in one record (first on line 1)")
    }

    @Test func hostileInputIsHandledInLinearTime() throws {
        let huge = String(repeating: "x", count: 8_000_000)
        let records = try DCF.parse("Package: a\nDescription: \(huge)\n")
        #expect(records[0][1].1.utf8.count == huge.utf8.count)
        // A huge malformed line gives a short message.
        let error = #expect(throws: DCFError.self) { try DCF.parse("Package: a\n\(huge)\n") }
        #expect((error?.message.count ?? .max) < 200)
        // Many records and many continuation lines.
        let many = String(repeating: "Package: p\nVersion: 1.0\nDescription: a\n b\n c\n\n", count: 50_000)
        #expect(try DCF.parse(many).count == 50_000)
        // Control characters and invalid UTF-8 replacement characters are just text.
        #expect(try DCF.parse("Package: a\u{0}b\u{FFFD}\n").first?.first?.1 == "a\u{0}b\u{FFFD}")
    }

    @Test func writeRoundTrips() throws {
        let records: [[(String, String)]] = [
            [("Package", "a"), ("Version", "1.0"), ("Description", "one\ntwo  words\n\nfour"), ("Empty", "")],
            [("Package", "b"), ("Depends", "R (>= 3.5),\nmethods")],
        ]
        let text = DCF.write(records)
        #expect(text == "Package: a\nVersion: 1.0\nDescription: one\n two  words\n .\n four\nEmpty:\n\nPackage: b\nDepends: R (>= 3.5),\n methods\n")
        let back = try DCF.parse(text)
        #expect(back.map { $0.map(\.0) } == records.map { $0.map(\.0) })
        #expect(back.map { $0.map(\.1) } == records.map { $0.map(\.1) })
    }

    @Test func writeLeavesOutWhatCannotBeWritten() throws {
        let text = DCF.write([[("Bad Name", "x"), ("Bad:Name", "y"), ("", "z")], [("Package", "a"), ("New\nLine", "q")]])
        #expect(text == "Package: a\n")
        #expect(DCF.write([]) == "")
    }

    @Test(.enabled(if: RTool.isAvailable, RTool.missingComment))
    func rReadsWhatWeWriteAndWeReadWhatRWrites() throws {
        let dir = try RTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let records: [[(String, String)]] = [
            [("Package", "a"), ("Version", "1.0"), ("Description", "one\ntwo  words\n\nfour")],
            [("Package", "b"), ("Imports", "x,\ny (>= 2)"), ("Note", "ünïcödé")],
        ]
        try DCF.write(records).write(to: dir.appendingPathComponent("ours.dcf"), atomically: true, encoding: .utf8)
        let script = """
        x <- read.dcf("ours.dcf")
        stopifnot(identical(unname(x[1, "Description"]), "one\\ntwo  words\\n\\nfour"), identical(unname(x[2, "Imports"]), "x,\\ny (>= 2)"), is.na(x[2, "Description"]))
        stopifnot(identical(unname(x[2, "Note"]), "\\u00fcn\\u00efc\\u00f6d\\u00e9"))
        m <- matrix(c("p", "q", "Long text that R folds when it writes it because it is wider than the line width, much wider", NA, "keep\\n\\nempty", "z"), 2, 3, dimnames = list(NULL, c("Package", "Description", "Other")))
        write.dcf(m, "theirs.dcf")
        cat("ok")
        """
        let result = try RTool.rscript(script, in: dir)
        #expect(result.status == 0 && result.output.hasSuffix("ok"), "\(result.output)")
        let theirs = try DCF.parse(String(contentsOf: dir.appendingPathComponent("theirs.dcf"), encoding: .utf8))
        #expect(theirs.count == 2)
        #expect(theirs[0].map(\.0) == ["Package", "Description", "Other"])
        #expect(theirs[1].map(\.0) == ["Package", "Other"])
        // R folds the long line; the folded value reads back with newlines in place of the folds.
        #expect(theirs[0][1].1.replacingOccurrences(of: "\n", with: " ") == "Long text that R folds when it writes it because it is wider than the line width, much wider")
        #expect(theirs[0][2].1 == "keep\n\nempty")
    }
}
