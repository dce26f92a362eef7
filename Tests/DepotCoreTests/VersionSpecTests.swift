import DepotCore
import Testing

@Suite struct VersionSpecTests {
    static func check(_ spec: String, _ version: String, _ expected: Bool, _ source: String) {
        do {
            let parsed = try VersionSpec(spec)
            #expect(parsed.matches(CondaVersion(version)) == expected, "\(source): “\(spec)” matches \(version): \(expected)")
        } catch {
            Issue.record("\(source): “\(spec)” does not parse: \(error)")
        }
    }

    /// conda tests/models/test_version.py `test_match`: each spec against version 1.7.1.
    static let condaMatchCases: [(String, Bool)] = [
        ("1.7.*", true), ("1.7.1", true), ("1.7.0", false), ("1.7", false), ("1.5.*", false), (">=1.5", true),
        ("!=1.5", true), ("!=1.7.1", false), ("==1.7.1", true), ("==1.7", false), ("==1.7.2", false),
        ("==1.7.1.0", true), ("1.7.*|1.8.*", true), (">1.7,<1.8", true), (">1.7.1,<1.8", false),
        ("^1.7.1$", true), (#"^1\.7\.1$"#, true), (#"^1\.7\.[0-9]+$"#, true), (#"^1\.8.*$"#, false),
        (#"^1\.[5-8]\.1$"#, true), (#"^[^1].*$"#, false), (#"^[0-9+]+\.[0-9+]+\.[0-9]+$"#, true), ("^$", false),
        ("^.*$", true), ("1.7.*|^0.*$", true), ("1.6.*|^0.*$", false), ("1.6.*|^0.*$|1.7.1", true),
        ("^0.*$|1.7.1", true), (#"1.6.*|^.*\.7\.1$|0.7.1"#, true), ("*", true), ("1.*.1", true),
        ("1.5.*|>1.7,<1.8", true), ("1.5.*|>1.7,<1.7.1", false),
    ]

    @Test(arguments: condaMatchCases)
    func condaTestMatch(_ spec: String, _ expected: Bool) {
        Self.check(spec, "1.7.1", expected, "conda test_match")
    }

    /// (spec, version, matches) from conda tests/models/test_version.py: `test_ver_eval`, `test_not_eq_star`,
    /// `test_compound_versions`, `test_compatible_release_versions`, `test_local_identifier`, and the
    /// `treeify` docstring examples in conda/models/version.py.
    static let condaCases: [(String, String, Bool)] = [
        // test_ver_eval
        ("==1.7", "1.7.0", true), ("<=1.7", "1.7.0", true), ("<1.7", "1.7.0", false), (">=1.7", "1.7.0", true),
        (">1.7", "1.7.0", false), (">=1.7", "1.6.7", false), (">2013b", "2013a", false), (">2013b", "2013k", true),
        (">2013b", "3.0.0", false), (">1.0.0a", "1.0.0", true), (">1.0.0*", "1.0.0", true), ("1.0*", "1.0", true),
        ("1.0*", "1.0.0", true), ("1.0.0*", "1.0", true), ("1.0.0*", "1.0.1", false), ("2013a*", "2013a", true),
        ("2013b*", "2013a", false), ("2013a*", "2013ab", true), ("1.2.4*", "1.3.4", false),
        ("1.2.3*", "1.2.3+4.5.6", true), ("1.2.3+4*", "1.2.3+4.5.6", true), ("1.2.3+5*", "1.2.3+4.5.6", false),
        ("1.2.4+5*", "1.2.3+4.5.6", false),
        // test_not_eq_star
        ("=3.3", "3.3.1", true), ("=3.3", "3.3", true), ("=3.3", "3.4", false), ("3.3.*", "3.3.1", true),
        ("3.3.*", "3.3", true), ("3.3.*", "3.4", false), ("=3.3.*", "3.3.1", true), ("=3.3.*", "3.3", true),
        ("=3.3.*", "3.4", false), ("!=3.3.*", "3.3.1", false), ("!=3.3.*", "3.4", true), ("!=3.3.*", "3.4.1", true),
        ("!=3.3", "3.3.1", true), ("!=3.3", "3.3.0.0", false), ("!=3.3.*", "3.3.0.0", false),
        // test_compound_versions
        (">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", "2.6.8", false),
        (">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", "2.7.2", true),
        (">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", "3.3", false),
        (">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", "3.3.4", false),
        (">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", "3.4", true),
        (">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*", "3.4a", true),
        // test_compatible_release_versions
        ("~=1.10", "1.11.0", true), ("~=1.10.0", "1.11.0", false), ("~=3.3.2", "3.4.0", false),
        ("~=3.3.2", "3.3.1", false), ("~=3.3.2", "3.3.2.0", true), ("~=3.3.2", "3.3.3", true),
        ("~=3.3.2|==2.2", "2.2.0", true), ("~=3.3.2|==2.2", "3.3.3", true), ("~=3.3.2|==2.2", "2.2.1", false),
        // test_local_identifier: a version matches itself
        ("1.7.0", "1.7.0", true), ("1.7.0.post123", "1.7.0.post123", true),
        ("1.7.0.post123.gabcdef9", "1.7.0.post123.gabcdef9", true),
        ("1.7.0.post123+gabcdef9", "1.7.0.post123+gabcdef9", true),
        // treeify docstring: ('|', '1.5', (',', ('|', '1.6', '1.7'), '1.8', '1.9'), '2.0', '2.1')
        ("((1.5|((1.6|1.7), 1.8), 1.9 |2.0))|2.1", "1.5", true),
        ("((1.5|((1.6|1.7), 1.8), 1.9 |2.0))|2.1", "1.6", false),
        ("((1.5|((1.6|1.7), 1.8), 1.9 |2.0))|2.1", "1.8", false),
        ("((1.5|((1.6|1.7), 1.8), 1.9 |2.0))|2.1", "2.0", true),
        ("((1.5|((1.6|1.7), 1.8), 1.9 |2.0))|2.1", "2.1", true),
        ("1.5|(1.6|1.7),1.8,1.9|2.0|2.1", "1.7", false),
        ("1.5|(1.6|1.7),1.8,1.9|2.0|2.1", "2.1", true),
        ("(1.2.3|4.5.6),<=7.8.9", "4.5.6", true),
        ("(1.2.3|4.5.6),<=7.8.9", "7.0", false),
        ("1.2.3,4.5.6|<=7.8.9", "7.0", true),
        ("1.2.3,4.5.6|<=7.8.9", "8.0", false),
    ]

    @Test(arguments: condaCases)
    func condaVersionSpecs(_ spec: String, _ version: String, _ expected: Bool) {
        Self.check(spec, version, expected, "conda")
    }

    /// (spec, version, matches) from conda's docs (docs/source/user-guide/concepts/pkg-specs.rst).
    static let docsCases: [(String, String, Bool)] = [
        ("1.0|1.2", "1.2", true), ("1.0|1.4*", "1.0", true), ("1.0|1.4*", "1.4", true), ("1.0|1.4*", "1.4.1b2", true),
        ("1.0|1.4*", "1.2", false), (">1.0b4", "1.0b5", true), (">1.0b4", "1.0rc1", true), (">1.0b4", "1.0b4", false),
        (">1.0b4", "1.0a5", false), ("<=1.0", "0.9", true), ("<=1.0", "0.9.1", true), ("<=1.0", "1.0", true),
        ("<=1.0", "1.0.1", false), (">=2,<3", "2.0", true), (">=2,<3", "2.1", true), (">=2,<3", "2.9", true),
        (">=2,<3", "3.0", false), (">=2,<3", "1.0", false), (">=1,<2|>3", "1", true), (">=1,<2|>3", "1.3", true),
        (">=1,<2|>3", "2.2", false),
        // The docs say 3.0 matches, but conda's VersionOrder makes 3.0 == 3, so `>3` refuses it; we follow conda.
        (">=1,<2|>3", "3.0", false),
        (">=1,<2|>3", "3.1", true),
    ]

    @Test(arguments: docsCases)
    func condaDocs(_ spec: String, _ version: String, _ expected: Bool) {
        Self.check(spec, version, expected, "conda docs")
    }

    /// (spec, version, matches) from rattler: rattler_conda_version/src/version_spec/mod.rs (`test_matches`,
    /// `issue_685`, `issue_225`) and match_spec/parse.rs `test_pixi_issue_3922`.
    static let rattlerCases: [(String, String, Bool)] = [
        (">=1.2.3,<2.0.0", "1.2.0", false), ("==1.2.0", "1.2.0", true), (">=1.2.3,<2.0.0", "1.2.3", true),
        ("==1.2.0", "1.2.3", false), (">=1.2.3,<2.0.0", "1!1.2.3", false), ("==1.2.0", "1!1.2.3", false),
        (">=1!1.2,<1!2", "1!1.2.3", true), ("1!1.2.*", "1!1.2.3", true),
        ("2.38.*", "2.38", true), ("2.38.0.*", "2.38", true), ("2.38.0.1*", "2.38", false), ("2.38.0a.*", "2.38", false),
        ("~=2.4", "3.1", false), ("~=2.4", "2.4", true), ("~=2.4", "2.5", true), ("~=2.4", "2.1", false),
        ("=0.*,>=0.4.1", "0.4.1", true),
        ("(>=1,<2)|>3", "1.5", true), ("(>=1,<2)|>3", "2.5", false), ("(>=1,<2)|>3", "4", true),
        ("((>=1|>2),(>3|>4))|(>5,<6)", "3.5", true), ("((>=1|>2),(>3|>4))|(>5,<6)", "2", false),
    ]

    @Test(arguments: rattlerCases)
    func rattlerVersionSpecs(_ spec: String, _ version: String, _ expected: Bool) {
        Self.check(spec, version, expected, "rattler")
    }

    /// Where rattler's lenient parser and conda differ, conda's reading (conda/models/version.py) wins:
    /// - `2023.*.*`, `*.*`, `2023.*.0`, `0.2.18.*.`: conda makes a `*` not at the end a glob on the version text
    ///   (`^(?:2023\..*\..*)$`); rattler reads `2023.*.*` as `2023.*`, `*.*` as any, and refuses `2023.*.0`.
    /// - `>1.2.*`: conda drops the `.*` (`>1.2`); rattler reads `>=1.2`.
    /// - `^…$`: conda matches a regular expression on the version text; rattler refuses it.
    /// - `>*`, `!=*`: conda compares with the version `*`; rattler refuses them.
    /// - `==2.7.*.*`: conda drops one `.*` and compares `==2.7.*` (which nothing equals); rattler reads `2.7.*`.
    static let condaOverRattlerCases: [(String, String, Bool)] = [
        ("2023.*.*", "2023.1", false), ("2023.*.*", "2023.1.0", true), ("*.*", "1", false), ("*.*", "1.0", true),
        ("2023.*.0", "2023.1.0", true), ("2023.*.0", "2023.1.1", false), ("0.2.18.*.", "0.2.18.1", false),
        (">1.2.*", "1.2", false), (">1.2.*", "1.2.1", true), (">=1.2.*", "1.2", true), ("<1.2.*", "1.2", false),
        ("^1.2.3$", "1.2.3", true), (">*", "1.0", true), ("!=*", "1.0", true), (">=*", "0.1", true),
        ("==2.7.*.*|>=3.6", "2.7.18", false), ("==2.7.*.*|>=3.6", "3.7", true),
    ]

    @Test(arguments: condaOverRattlerCases)
    func condaWinsOverRattler(_ spec: String, _ version: String, _ expected: Bool) {
        Self.check(spec, version, expected, "conda over rattler")
    }

    /// The brief's own cases: `startswith` for `1.2.*`, openssl-like underscores, case, epochs, whitespace.
    static let depotCases: [(String, String, Bool)] = [
        ("1.2.*", "1.2", true), ("1.2.*", "1.20", false), ("1.2*", "1.2.5", true), ("1.2*", "1.20", false),
        ("1.2", "1.2.0", true), ("1.2", "1.2.1", false), (">=1.0.1_", "1.0.1_", true), (">=1.0.1_", "1.0.1a", true),
        (">=1.0.1", "1.0.1_", false), ("<1.0.1", "1.0.1_", true), ("==1.0RC1", "1.0rc1", true),
        ("1!1.2.*", "1.2.3", false), (">= 1.2", "1.3", true), (">=1.0 , <2", "1.5", true), ("> 1.0 | < 0.5", "0.7", false),
        ("(>=1|<0.5),!=0.3", "0.3", false), ("(>=1|<0.5),!=0.3", "0.4", true), ("(>=1|<0.5),!=0.3", "0.7", false),
        ("1.0@x", "1.0@x", true), ("1.0@x", "1.0", false), ("~=1.2.3", "1.2.9", true), ("~=1.2.3", "1.3", false),
        ("~=1!2.3", "1!2.5", true), ("~=1!2.3", "2.5", false), (">=1.8,<2|1.7.*", "1.7.4", true), ("!=1.2.*", "1.2", false),
        ("1.0.1*", "1.0.1c", true), ("*", "anything&invalid", true), (">=1.0", "1.0.0.0.0", true), ("<1.0", "1.0.dev0", true),
    ]

    @Test(arguments: depotCases)
    func depotBrief(_ spec: String, _ version: String, _ expected: Bool) {
        Self.check(spec, version, expected, "depot")
    }

    /// Specs conda refuses (`test_ver_eval_errors`, `test_version_spec_2`, `test_invalid_version_specs`,
    /// `test_compatible_release_versions`, `test_pep_440_arbitrary_equality_operator`), rattler's
    /// `test_invalid_op` (version_spec/constraint.rs), and more: (spec, position, words in the message).
    static let errorCases: [(String, Int, String)] = [
        ("", 0, "expected a version"),
        ("><2.4.5", 0, "unexpected “><”"),
        ("!!2.4.5", 0, "unexpected “!!”"),
        ("!", 0, "unexpected “!”"),
        ("~", 0, "unexpected “~”"),
        ("^", 1, "must end with “$”"),
        ("(1.5", 0, "never closed"),
        ("1.5)", 3, "no “(” to close"),
        ("1.5||1.6", 4, "expected a version"),
        ("^1.5", 4, "must end with “$”"),
        ("1.2+", 4, "local version"),
        ("+1.2", 0, "before the local part"),
        ("+1.2+", 4, "at most one local part"),
        ("++", 1, "at most one local part"),
        ("c +, 0/|0 *", 1, "unexpected “ ”"),
        ("a[version=)|(", 1, "unexpected “[”"),
        ("a=)(=b", 1, "unexpected “=”"),
        ("==", 2, "expected a version after “==”"),
        ("=", 1, "expected a version after “=”"),
        (">=", 2, "expected a version after “>=”"),
        ("<=", 2, "expected a version after “<=”"),
        ("~=3.3.2.*", 7, "“~=” cannot be combined with “.*”"),
        ("===3.3.2", 0, "unexpected “===”"),
        ("~=1", 2, "at least two parts"),
        ("<>1.2.3", 0, "unexpected “<>”"),
        ("=!1.2.3", 0, "unexpected “=!”"),
        ("<!=1.2.3", 0, "unexpected “<!=”"),
        ("<=>1.2.3", 0, "unexpected “<=>”"),
        ("=>1.2.3", 0, "unexpected “=>”"),
        (">>1", 0, "unexpected “>>”"),
        (">=1.0,", 6, "expected a version"),
        (",1.0", 0, "expected a version"),
        ("()", 1, "expected a version"),
        ("(1.5)(1.6)", 5, "expected “,” or “|”"),
        ("1.0 1.1", 3, "unexpected “ ”"),
        (">=1.2#", 5, "unexpected “#”"),
        ("1.2.3$", 0, "must start with “^”"),
        ("^(1.2$", 0, "invalid regular expression"),
        (">=1..2", 4, "version part"),
        (">= x!1", 3, "epoch"),
        ("1.0-beta_2", 3, "both “-” and “_”"),
    ]

    @Test(arguments: errorCases)
    func refused(_ spec: String, _ position: Int, _ words: String) {
        do {
            let parsed = try VersionSpec(spec)
            Issue.record("“\(spec)” should not parse, got \(parsed)")
        } catch {
            #expect(error.position == position, "“\(spec)”: error at \(position), got \(error.position): \(error.message)")
            #expect(error.message.contains(words), "“\(spec)”: “\(error.message)” mentions “\(words)”")
            #expect(error.message.contains("at \(error.position)"), "“\(spec)”: the message names the position")
        }
    }

    @Test func equalSpecsAreEqual() throws {
        #expect(try VersionSpec(">= 1.0, <2") == VersionSpec(">=1.0,<2"))
        #expect(try VersionSpec(">=1.0,<2").description == ">=1.0,<2")
        #expect(try VersionSpec("*").matchesEveryVersion)
        #expect(try !VersionSpec("1.*").matchesEveryVersion)
    }
}
