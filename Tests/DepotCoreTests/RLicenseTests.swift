import DepotCore
import Foundation
import Testing

@Suite struct RLicenseTests {
    typealias F = RLicenseFamily

    /// `License` values as they appear in CRAN's PACKAGES (most of them among its most common ones), plus the
    /// examples of "Writing R Extensions", and the families of each alternative.
    static let table: [(String, [[F]])] = [
        ("GPL (>= 2)", [[.gpl2, .gpl3]]),
        ("GPL-2", [[.gpl2]]),
        ("GPL-3", [[.gpl3]]),
        ("MIT + file LICENSE", [[.mit]]),
        ("GPL (>= 3)", [[.gpl3]]),
        ("GPL-2 | GPL-3", [[.gpl2], [.gpl3]]),
        ("GPL", [[.gpl2, .gpl3]]),
        ("LGPL-3", [[.lgpl]]),
        ("LGPL (>= 2.1)", [[.lgpl]]),
        ("LGPL-2", [[.lgpl]]),
        ("LGPL-2.1", [[.lgpl]]),
        ("LGPL (>= 2)", [[.lgpl]]),
        ("Apache License 2.0", [[.apache2]]),
        ("Apache License (>= 2)", [[.apache2]]),
        ("Apache License (== 2.0)", [[.apache2]]),
        ("BSD_3_clause + file LICENSE", [[.bsd3Clause]]),
        ("BSD_2_clause + file LICENSE", [[.bsd2Clause]]),
        ("AGPL-3", [[.agpl3]]),
        ("AGPL (>= 3)", [[.agpl3]]),
        ("Artistic-2.0", [[.artistic2]]),
        ("CC BY 4.0", [[.ccBy4]]),
        ("CC BY-NC-SA 4.0", [[.ccByNC, .nonFOSS, .restrictsUse]]),
        ("CC BY-NC 4.0", [[.ccByNC, .nonFOSS, .restrictsUse]]),
        ("CC BY-NC-ND 4.0", [[.ccByNC, .nonFOSS, .restrictsUse]]),
        ("CC BY-SA 4.0", [[]]),
        ("CC0", [[]]),
        ("file LICENSE", [[.fileLicense]]),
        ("file LICENCE", [[.fileLicense]]),
        ("GPL (>= 2) | file LICENCE", [[.gpl2, .gpl3], [.fileLicense]]),
        ("GPL-3 | file LICENSE", [[.gpl3], [.fileLicense]]),
        ("Unlimited", [[]]),
        ("Part of R 4.2.2", [[]]),
        ("Mozilla Public License 2.0", [[]]),
        ("MPL-2.0", [[]]),
        ("EUPL", [[]]),
        ("Lucent Public License", [[]]),
        ("GPL (>= 2.0)", [[.gpl2, .gpl3]]),
        ("GPL (> 2)", [[.gpl3]]),
        ("GPL-3 + file LICENSE", [[.gpl3]]),
        ("MIT + file LICENCE", [[.mit]]),
        ("ACM | file LICENSE", [[.nonFOSS, .restrictsUse], [.fileLicense]]),
        ("Artistic License 2.0", [[.artistic2]]),
        ("Artistic-1.0", [[.nonFOSS]]),
        ("Artistic License", [[.artistic2, .nonFOSS]]),
        ("BSD_3_clause + file LICENSE | GPL (>= 2)", [[.bsd3Clause], [.gpl2, .gpl3]]),
        ("GPL (>= 2) | BSD_3_clause + file LICENSE", [[.gpl2, .gpl3], [.bsd3Clause]]),
        ("Artistic-2.0 | AGPL-3 + file LICENSE", [[.artistic2], [.agpl3]]),
        ("LGPL (>= 2.0, < 3) | Mozilla Public License", [[.lgpl], []]),
        ("GPL-2 | file LICENCE", [[.gpl2], [.fileLicense]]),
        ("GNU General Public License (>= 3)", [[.gpl3]]),
        ("GNU Lesser General Public License", [[.lgpl]]),
        ("MIT License + file LICENSE", [[.mit]]),
        ("BSD", [[.bsd3Clause]]),
        ("FreeBSD", [[.bsd2Clause]]),
        ("MIT+file LICENSE", [[.mit]]),
        ("GPL (>= 2)\n    | MIT + file LICENSE", [[.gpl2, .gpl3], [.mit]]),
        ("GPL(>=2)", [[.gpl2, .gpl3]]),
        ("EPL", [[]]),
        ("BSL-1.0", [[]]),
        // What R does not know.
        ("Proprietary", [[.nonFOSS]]),
        ("", [[.nonFOSS]]),
        ("gpl-2", [[.nonFOSS]]),
        ("GPL-2.0", [[.nonFOSS]]),
        ("GPL (>= 4)", [[.nonFOSS]]),
        ("GPL (=> 2)", [[.nonFOSS]]),
        ("GPL-2 | Proprietary", [[.gpl2], [.nonFOSS]]),
        ("MIT (>= 1)", [[.nonFOSS]]),
        ("file LICENSE + file LICENCE", [[.nonFOSS]]),
    ]

    @Test func theTableHasEnoughRealLicences() {
        #expect(Self.table.count >= 25)
    }

    @Test(arguments: table)
    func familiesPerAlternative(license: String, expected: [[F]]) {
        #expect(RLicense.families(license: license, isFOSS: nil, restrictsUse: nil) == expected)
    }

    @Test func componentsSayWhatRExpandsTo() {
        let components = RLicense.components("GPL (>= 2)  +  file LICENSE | Apache License | file LICENCE")
        #expect(components.map(\.text) == ["GPL (>= 2) + file LICENSE", "Apache License", "file LICENCE"])
        #expect(components.map(\.licences) == [["GPL-2", "GPL-3"], ["Apache License version 1.1", "Apache License version 2.0"], nil])
        #expect(components.map(\.file) == ["LICENSE", nil, "LICENCE"])
        #expect(components.map(\.families) == [[.gpl2, .gpl3], [.apache2], [.fileLicense]])
    }

    @Test(arguments: [
        ("file LICENSE", "no", nil, [[F.fileLicense, .nonFOSS]]),
        ("file LICENSE", nil, "yes", [[.fileLicense, .restrictsUse]]),
        ("Proprietary", "yes", nil, [[]]),
        ("CC BY-NC 4.0", nil, "no", [[.ccByNC, .nonFOSS]]),
        ("CC BY-NC 4.0", "yes", "no", [[.ccByNC]]),
        ("GPL-2 | file LICENSE", "no", "yes", [[.gpl2, .nonFOSS, .restrictsUse], [.fileLicense, .nonFOSS, .restrictsUse]]),
        ("GPL-2", " No ", "maybe", [[.gpl2, .nonFOSS]]),
    ] as [(String, String?, String?, [[F]])])
    func packageFieldsWinOverTheDatabase(license: String, isFOSS: String?, restrictsUse: String?, expected: [[F]]) {
        #expect(RLicense.families(license: license, isFOSS: isFOSS, restrictsUse: restrictsUse) == expected)
    }

    @Test(arguments: [
        ("GPL-2 | GPL-3", [F.gpl3], false),
        ("GPL-2 | GPL-3", [.gpl2, .gpl3], true),
        ("GPL (>= 2)", [.gpl3], true),
        ("GPL (>= 2)", [.gpl2], true),
        ("GPL-2", [.gpl3], false),
        ("MIT + file LICENSE", [.mit], true),
        ("GPL (>= 2) | file LICENCE", [.gpl2, .gpl3], false),
        ("GPL (>= 2) | file LICENCE", [.gpl2, .gpl3, .fileLicense], true),
        ("CC BY-NC-SA 4.0", [.nonFOSS], true),
        ("CC BY-NC-SA 4.0", [.restrictsUse], true),
        ("CC BY-NC-SA 4.0", [.ccByNC], true),
        ("CC BY 4.0", [.ccByNC, .nonFOSS, .restrictsUse], false),
        ("CC0", F.allCases, false),
        ("Unlimited", F.allCases, false),
        ("", [.nonFOSS], true),
        ("Proprietary | MIT + file LICENSE", [.nonFOSS], false),
        ("Proprietary | MIT + file LICENSE", [.nonFOSS, .mit], true),
        ("GPL-3", [], false),
        ("LGPL-2.1 | LGPL-3", [.lgpl], true),
    ] as [(String, [F], Bool)])
    func excludedWhenEveryAlternativeIs(license: String, excluded: [F], expected: Bool) {
        #expect(RLicense.isExcluded(license: license, isFOSS: nil, restrictsUse: nil, excluded: Set(excluded)) == expected)
    }

    @Test func exclusionNamesTheFamiliesThatRemovedThePackage() {
        #expect(RLicense.exclusion(license: "GPL-2 | GPL-3", isFOSS: nil, restrictsUse: nil, excluded: [.gpl3, .gpl2, .mit]) == [.gpl2, .gpl3])
        #expect(RLicense.exclusion(license: "GPL-2 | MIT + file LICENSE", isFOSS: nil, restrictsUse: nil, excluded: [.gpl3, .gpl2]) == nil)
        #expect(RLicense.isExcluded(license: "file LICENSE", isFOSS: "no", restrictsUse: nil, excluded: [.nonFOSS]))
        #expect(!RLicense.isExcluded(license: "Proprietary", isFOSS: "yes", restrictsUse: nil, excluded: [.nonFOSS]))
    }

    @Test func familiesHaveStableKeysAndLabels() {
        #expect(F.allCases.count == 14)
        #expect(F(key: "gpl-3") == .gpl3)
        #expect(F(key: " Apache License 2.0 ") == .apache2)
        #expect(F(key: "ccByNC") == .ccByNC)
        #expect(F(key: "non-foss") == .nonFOSS)
        #expect(F(key: "GPL-4") == nil)
        #expect(F.fileLicense.label == "“file LICENSE” only")
        #expect(F.gpl2.label == "GPL-2")
    }

    @Test func hostileStringsAreJustUnknown() {
        let long = String(repeating: "GPL (>= 2) | ", count: 20_000) + String(repeating: "(", count: 10_000)
        let families = RLicense.families(license: long, isFOSS: nil, restrictsUse: nil)
        #expect(families.count == 20_001)
        #expect(families.last == [.nonFOSS])
        #expect(RLicense.families(license: "|||", isFOSS: nil, restrictsUse: nil) == [[.nonFOSS]])
        #expect(RLicense.families(license: "GPL (>= 2, )", isFOSS: nil, restrictsUse: nil) == [[.nonFOSS]])
        #expect(RLicense.families(license: "GPL (>= 99999999999999999999999)", isFOSS: nil, restrictsUse: nil) == [[.nonFOSS]])
    }

    /// Every licence of the table that R standardises expands, component by component, to what R's own
    /// `tools:::analyze_license` says.
    @Test(.enabled(if: RTool.isAvailable, RTool.missingComment))
    func expansionsMatchR() throws {
        let dir = try RTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let licences = Self.table.map(\.0).filter { !$0.contains("\n") && !$0.isEmpty }
        try licences.joined(separator: "\n").write(to: dir.appendingPathComponent("licences.txt"), atomically: true, encoding: .utf8)
        let script = """
        for (x in readLines("licences.txt")) {
          a <- tools:::analyze_license(x)
          e <- if (isTRUE(a$is_standardizable)) paste(vapply(a$expansions, function(v) paste(sub(" [+] file LICEN[CS]E$", "", v), collapse = ","), ""), collapse = " || ") else "-"
          cat(e, "\\n", sep = "")
        }
        """
        let result = try RTool.rscript(script, in: dir)
        #expect(result.status == 0, "\(result.output)")
        let rLines = result.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(rLines.count >= licences.count)
        for (licence, rLine) in zip(licences, rLines) {
            let components = RLicense.components(licence)
            let known = components.allSatisfy { $0.licences != nil || $0.file != nil && $0.families == [.fileLicense] }
            let ours = known ? components.map { $0.licences?.joined(separator: ",") ?? $0.text }.joined(separator: " || ") : "-"
            if licence.hasPrefix("Part of R") { continue }  // R knows it is FOSS but does not standardise it
            #expect(ours == rLine, "\(licence)")
        }
    }
}
