@testable import DepotCore
import Testing

@Suite struct VersionOrderTests {
    /// Each list is in ascending order.
    @Test(arguments: [
        ["0.4", "0.4.1", "0.5a1", "0.5b3", "0.5c1", "0.5", "0.9.6", "0.960923", "1.0", "1.1dev1", "1.1a1", "1.1.0dev1", "1.1.a1", "1.1.0rc1", "1.1.0", "1.1.0post1", "1.1post1", "1996.07.12", "1!0.4.1", "1!3.1.1.6", "2!0.4.1"],
        ["1.10", "1.11"],
        ["2.9", "2.10"],
    ])
    func ascending(_ versions: [String]) {
        for (a, b) in zip(versions, versions.dropFirst()) {
            #expect(VersionOrder.isLess(a, b), "\(a) < \(b)")
            #expect(!VersionOrder.isLess(b, a), "not \(b) < \(a)")
        }
    }

    @Test func trailingZerosAreEqual() {
        #expect(!VersionOrder.isLess("1.0", "1.0.0"))
        #expect(!VersionOrder.isLess("1.0.0", "1.0"))
        #expect(VersionOrder.isLess("1.0+a", "1.0+b"))
    }

    @Test func maxKeepsTheFirstOfEqualVersions() {
        #expect(VersionOrder.max(["1.0", "1.0.0", "0.9"]) == "1.0")
        #expect(VersionOrder.max(["1.9", "1.10", "1.10rc1"]) == "1.10")
        #expect(VersionOrder.max([String]()) == nil)
    }

    // MARK: conda's documented order

    /// The order in the docstring of conda's `VersionOrder` (conda/models/version.py), with the relation of each
    /// version to the one before it. The docstring writes `0.4 < 0.4.0`, but conda's implementation and its own
    /// test (`VersionOrder("0.4") == VersionOrder("0.4.0")`, tests/models/test_version.py) make them equal, and
    /// rattler's copy of this list (rattler_conda_version version/mod.rs `valid_versions`) says `==`: we follow
    /// the implementation.
    static let documentedOrder: [(String, String)] = [
        ("", "0.4"),
        ("==", "0.4.0"),
        ("<", "0.4.1.rc"),
        ("==", "0.4.1.RC"),
        ("<", "0.4.1"),
        ("<", "0.5a1"),
        ("<", "0.5b3"),
        ("<", "0.5C1"),
        ("<", "0.5"),
        ("<", "0.9.6"),
        ("<", "0.960923"),
        ("<", "1.0"),
        ("<", "1.1dev1"),
        ("<", "1.1_"),
        ("<", "1.1a1"),
        ("<", "1.1.0dev1"),
        ("==", "1.1.dev1"),
        ("<", "1.1.a1"),
        ("<", "1.1.0rc1"),
        ("<", "1.1.0"),
        ("==", "1.1"),
        ("<", "1.1.0post1"),
        ("==", "1.1.post1"),
        ("<", "1.1post1"),
        ("<", "1996.07.12"),
        ("<", "1!0.4.1"),
        ("<", "1!3.1.1.6"),
        ("<", "2!0.4.1"),
    ]

    @Test func condaDocumentedOrder() {
        for (previous, current) in zip(Self.documentedOrder, Self.documentedOrder.dropFirst()) {
            let a = CondaVersion(previous.1)
            let b = CondaVersion(current.1)
            if current.0 == "==" {
                #expect(a == b && !(a < b) && !(b < a), "\(previous.1) == \(current.1)")
                #expect(a.hashValue == b.hashValue, "hash(\(previous.1)) == hash(\(current.1))")
            } else {
                #expect(a < b && !(b < a) && a != b, "\(previous.1) < \(current.1)")
            }
        }
    }

    // MARK: conda tests/models/test_version.py

    /// `test_version_order`: each version and conda's parsed form (`VersionOrder.version`: the epoch part, then
    /// the parts; `DEV` for dev, `inf` for post). The list is in ascending (non-descending) order.
    static let parsedForms: [(String, [[String]])] = [
        ("0.4", [["0"], ["0"], ["4"]]),
        ("0.4.0", [["0"], ["0"], ["4"], ["0"]]),
        ("0.4.1a.vc11", [["0"], ["0"], ["4"], ["1", "a"], ["0", "vc", "11"]]),
        ("0.4.1.rc", [["0"], ["0"], ["4"], ["1"], ["0", "rc"]]),
        ("0.4.1.vc11", [["0"], ["0"], ["4"], ["1"], ["0", "vc", "11"]]),
        ("0.4.1", [["0"], ["0"], ["4"], ["1"]]),
        ("0.5*", [["0"], ["0"], ["5", "*"]]),
        ("0.5a1", [["0"], ["0"], ["5", "a", "1"]]),
        ("0.5b3", [["0"], ["0"], ["5", "b", "3"]]),
        ("0.5C1", [["0"], ["0"], ["5", "c", "1"]]),
        ("0.5z", [["0"], ["0"], ["5", "z"]]),
        ("0.5za", [["0"], ["0"], ["5", "za"]]),
        ("0.5", [["0"], ["0"], ["5"]]),
        ("0.5_5", [["0"], ["0"], ["5"], ["5"]]),
        ("0.5-5", [["0"], ["0"], ["5"], ["5"]]),
        ("0.9.6", [["0"], ["0"], ["9"], ["6"]]),
        ("0.960923", [["0"], ["0"], ["960923"]]),
        ("1.0", [["0"], ["1"], ["0"]]),
        ("1.0.4a3", [["0"], ["1"], ["0"], ["4", "a", "3"]]),
        ("1.0.4b1", [["0"], ["1"], ["0"], ["4", "b", "1"]]),
        ("1.0.4", [["0"], ["1"], ["0"], ["4"]]),
        ("1.1dev1", [["0"], ["1"], ["1", "DEV", "1"]]),
        ("1.1_", [["0"], ["1"], ["1", "_"]]),
        ("1.1a1", [["0"], ["1"], ["1", "a", "1"]]),
        ("1.1.dev1", [["0"], ["1"], ["1"], ["0", "DEV", "1"]]),
        ("1.1.a1", [["0"], ["1"], ["1"], ["0", "a", "1"]]),
        ("1.1", [["0"], ["1"], ["1"]]),
        ("1.1.post1", [["0"], ["1"], ["1"], ["0", "inf", "1"]]),
        ("1.1.1dev1", [["0"], ["1"], ["1"], ["1", "DEV", "1"]]),
        ("1.1.1rc1", [["0"], ["1"], ["1"], ["1", "rc", "1"]]),
        ("1.1.1", [["0"], ["1"], ["1"], ["1"]]),
        ("1.1.1post1", [["0"], ["1"], ["1"], ["1", "inf", "1"]]),
        ("1.1post1", [["0"], ["1"], ["1", "inf", "1"]]),
        ("2g6", [["0"], ["2", "g", "6"]]),
        ("2.0b1pr0", [["0"], ["2"], ["0", "b", "1", "pr", "0"]]),
        ("2.2be.ta29", [["0"], ["2"], ["2", "be"], ["0", "ta", "29"]]),
        ("2.2be5ta29", [["0"], ["2"], ["2", "be", "5", "ta", "29"]]),
        ("2.2beta29", [["0"], ["2"], ["2", "beta", "29"]]),
        ("2.2.0.1", [["0"], ["2"], ["2"], ["0"], ["1"]]),
        ("3.1.1.6", [["0"], ["3"], ["1"], ["1"], ["6"]]),
        ("3.2.p.r0", [["0"], ["3"], ["2"], ["0", "p"], ["0", "r", "0"]]),
        ("3.2.pr0", [["0"], ["3"], ["2"], ["0", "pr", "0"]]),
        ("3.2.pr.1", [["0"], ["3"], ["2"], ["0", "pr"], ["1"]]),
        ("5.5.kw", [["0"], ["5"], ["5"], ["0", "kw"]]),
        ("11g", [["0"], ["11", "g"]]),
        ("14.3.1", [["0"], ["14"], ["3"], ["1"]]),
        ("14.3.1.post26.g9d75ca2", [["0"], ["14"], ["3"], ["1"], ["0", "inf", "26"], ["0", "g", "9", "d", "75", "ca", "2"]]),
        ("1996.07.12", [["0"], ["1996"], ["7"], ["12"]]),
        ("1!0.4.1", [["1"], ["0"], ["4"], ["1"]]),
        ("1!3.1.1.6", [["1"], ["3"], ["1"], ["1"], ["6"]]),
        ("2!0.4.1", [["2"], ["0"], ["4"], ["1"]]),
    ]

    @Test(arguments: parsedForms)
    func condaParsedForm(_ text: String, _ expected: [[String]]) {
        let version = CondaVersion(text)
        #expect(version.isValid, "\(text) is valid")
        #expect(version.condaParts == expected, "\(text) parses as \(expected), got \(version.condaParts)")
    }

    @Test func condaParsedFormsAreSorted() {
        let versions = Self.parsedForms.map { CondaVersion($0.0) }
        for (a, b) in zip(versions, versions.dropFirst()) {
            #expect(!(b < a), "\(a) <= \(b)")
        }
        // Sorting a shuffled copy gives the same sequence (equal versions, like 0.4 and 0.4.0, may swap).
        #expect(zip(versions.shuffled().sorted(), versions).allSatisfy { $0 == $1 })
    }

    /// `test_openssl_convention` (conda) and `openssl_convention` (rattler): in ascending order.
    static let openssl = [
        "1.0.1dev", "1.0.1_", "1.0.1a", "1.0.1b", "1.0.1c", "1.0.1d", "1.0.1r", "1.0.1rc", "1.0.1rc1", "1.0.1rc2",
        "1.0.1s", "1.0.1", "1.0.1post.a", "1.0.1post.b", "1.0.1post.z", "1.0.1post.za", "1.0.2",
    ]

    /// `test_pep440` (conda and rattler): in ascending order.
    static let pep440 = [
        "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456",
        "1.0b2.post345", "1.0c1.dev456", "1.0c1", "1.0c3", "1.0rc2", "1.0.dev456", "1.0", "1.0.post456.dev34",
        "1.0.post456", "1.1.dev1", "1.2.r32+123456", "1.2.rev33+123456", "1.2+abc", "1.2+abc123def", "1.2+abc123",
        "1.2+123abc", "1.2+123abc456", "1.2+1234.abc", "1.2+123456",
        "1!1.0a1", "1!1.0a2.dev456", "1!1.0a12.dev456", "1!1.0a12", "1!1.0b1.dev456", "1!1.0b2",
        "1!1.0b2.post345.dev456", "1!1.0b2.post345", "1!1.0c1.dev456", "1!1.0c1", "1!1.0c3", "1!1.0rc2",
        "1!1.0.dev456", "1!1.0", "1!1.0.post456.dev34", "1!1.0.post456", "1!1.1.dev1", "1!1.2.r32+123456",
        "1!1.2.rev33+123456", "1!1.2+abc", "1!1.2+abc123def", "1!1.2+abc123", "1!1.2+123abc", "1!1.2+123abc456",
        "1!1.2+1234.abc", "1!1.2+123456",
    ]

    @Test(arguments: [("openssl", openssl), ("pep440", pep440), ("hexrd", ["0.3.0.dev", "0.3.3"])])
    func strictlyAscending(_ label: String, _ texts: [String]) {
        let versions = texts.map(CondaVersion.init)
        for (a, b) in zip(versions, versions.dropFirst()) {
            #expect(a < b && !(b < a), "\(label): \(a) < \(b)")
        }
        #expect(versions.shuffled().sorted().map(\.description) == texts, "\(label) sorts back")
    }

    /// Equal and unequal pairs from `test_version_order` (conda) and `hash` (rattler).
    static let equalityCases: [(String, String, Bool)] = [
        ("0.4.1.rc", "  0.4.1.RC  ", true),
        ("  0.4.rc  ", "0.4.RC", true),
        ("0.4", "0.4.0", true),
        ("0.4", "0.4.1", false),
        ("0.4.a1", "0.4.0a1", true),
        ("0.4.a1", "0.4.1a1", false),
        ("1.2.0", "1.2.0.0.0", true),
        ("1.2.0", "1!1.2.0", false),
        ("1.2.0", "1.2.0+post1", false),
        ("1.2+post1", "1.2.0+post1", true),
        ("1.2.0", "1.2.3", false),
        ("1.1.0dev1", "1.1.dev1", true),
        ("1.0-1", "1.0_1", true),
        ("1.0-1", "1.0.1", true),
        ("0001.02", "1.2", true),
        ("1.0.post", "1.0post", false),
        ("99999999999999999999999.1", "099999999999999999999999.1", true),
        ("99999999999999999999999", "99999999999999999999998", false),
    ]

    @Test(arguments: equalityCases)
    func equality(_ a: String, _ b: String, _ equal: Bool) {
        let x = CondaVersion(a)
        let y = CondaVersion(b)
        #expect((x == y) == equal, "\(a) == \(b) is \(equal)")
        if equal { #expect(x.hashValue == y.hashValue, "hash(\(a)) == hash(\(b))") }
    }

    /// Strings longer than 8 characters order like the short ones: by their characters.
    @Test func longStrings() {
        let ascending = ["1.0.dev", "1.0.par", "1.0.parallel", "1.0.parallelism", "1.0.parallelized", "1.0.zzz", "1.0"]
        let versions = ascending.map(CondaVersion.init)
        for (a, b) in zip(versions, versions.dropFirst()) {
            #expect(a < b && !(b < a), "\(a) < \(b)")
        }
        #expect(CondaVersion("1.0.Parallelized") == CondaVersion("1.0.parallelized"))
        #expect(CondaVersion("1.0.Parallelized").hashValue == CondaVersion("1.0.parallelized").hashValue)
    }

    /// Big numbers compare by value, above every 64-bit number and below `post`.
    @Test func bigNumbers() {
        #expect(CondaVersion("18446744073709551615") < CondaVersion("18446744073709551616"))
        #expect(CondaVersion("99999999999999999999998") < CondaVersion("99999999999999999999999"))
        #expect(CondaVersion("1.99999999999999999999999") < CondaVersion("1.99999999999999999999999post"))
        #expect(CondaVersion("1.post") < CondaVersion("1.99999999999999999999999"))
    }

    /// Texts conda's `VersionOrder` refuses (`test_version_order`, `test_invalid_version_specs`), with the
    /// offset of the problem; they are still ordered leniently.
    static let invalidCases: [(String, Int)] = [
        ("", 0),
        ("  ", 2),
        ("3.5&1", 3),
        ("5.5++", 4),
        ("5.5..mw", 4),
        ("!", 0),
        ("a!1.0", 0),
        ("a!b!1.0", 3),
        ("1.2+", 4),
        ("+1.2", 0),
        ("+1.2+", 4),
        ("++", 1),
        ("1.0-beta_2", 3),
        ("1!", 2),
        ("1.", 2),
        (".1", 0),
        ("1.0 1", 3),
        ("1.é", 2),
    ]

    @Test(arguments: invalidCases)
    func invalidVersions(_ text: String, _ offset: Int) {
        let version = CondaVersion(text)
        #expect(!version.isValid, "“\(text)” is not a conda version")
        #expect(version.problem?.offset == offset, "“\(text)”: problem at \(offset), got \(String(describing: version.problem))")
        #expect(version == version && !(version < version), "“\(text)” is still ordered")
    }

    @Test func invalidVersionsAreOrderedLeniently() {
        #expect(CondaVersion("1.0-beta_2") < CondaVersion("1.0"))
        #expect(CondaVersion("1..2") == CondaVersion("1.2"))
        #expect(CondaVersion("2") > CondaVersion("1.x&y"))
    }

    /// `startswith`, from conda's `test_version_order` and rattler's `starts_with*` tests (version/mod.rs).
    static let startsWithCases: [(String, String, Bool)] = [
        // conda
        ("0.4.1", "0", true),
        ("0.4.1", "0.4", true),
        ("0.4.1p1", "0.4", true),
        ("0.4.1p1", "0.4.1p", true),
        ("0.4.1p1", "0.4.1q1", false),
        ("0.4", "0.4.1", false),
        ("0.4.1+1.3", "0.4.1", true),
        ("0.4.1+1.3", "0.4.1+1", true),
        ("0.4.1", "0.4.1+1.3", false),
        ("0.4.1+1", "0.4.1+1.3", false),
        // rattler
        ("1.2.3", "1.2", true),
        ("2.0.1.version2", "2.0.1.version.3", false),
        ("2.0.1.version.3", "2.0.1.version2", false),
        ("1.0.0_version1", "1.0.0_version", true),
        ("1.0.0_version0", "1.0.0_version", true),
        ("1.0.0_version0foo", "1.0.0_version", true),
        ("1.0.0_other", "1.0.0_version", false),
        ("1.0.0_ver", "1.0.0_version", false),
        ("1.0.0_version1", "1.0.0_version_2", false),
        ("1.0.0_version0", "1.0.0_version1", false),
        ("1.0.0_version1a", "1.0.0_version1", true),
        ("1.0.0_version0a", "1.0.0_version", true),
        ("1.1c.1", "1.1.1", false),
        ("1.1c1.1", "1.1c.1", false),
        ("1.1c.1", "1.1c0.1", true),
        ("1.0.1c", "1.0.1", true),
        ("1.0.1g", "1.0.1", true),
        ("1.0.2a", "1.0.2", true),
        ("1.0.2a", "1.0.1", false),
        ("1.0.1c", "1.0.2", false),
        // the brief: 1.2 matches 1.2.*, 1.20 does not
        ("1.2", "1.2", true),
        ("1.20", "1.2", false),
        ("1", "1.0", true),
        ("1!1.2", "1.2", false),
        // strings longer than 8 characters are stored apart from the short ones
        ("1.0.parallelized", "1.0.parallel", true),
        ("1.0.parallelized", "1.0.parallelism", false),
        ("1.0.parallelized", "1.0.par", true),
        ("1.0.par", "1.0.parallelized", false),
    ]

    @Test(arguments: startsWithCases)
    func startsWith(_ version: String, _ prefix: String, _ expected: Bool) {
        #expect(CondaVersion(version).startsWith(CondaVersion(prefix)) == expected, "\(version) starts with \(prefix): \(expected)")
    }
}
