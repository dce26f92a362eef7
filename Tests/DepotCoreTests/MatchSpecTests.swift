import DepotCore
import Foundation
import Testing

@Suite struct MatchSpecTests {
    // MARK: Parsing

    /// (spec, name, version spec, build, channel, subdir) as conda's `_parse_spec_str` reports them
    /// (tests/models/test_match_spec.py: `test_parse_spec_str_no_brackets`, `…_with_brackets`, `test_star_name`,
    /// `test_parse_equal_equal`, `test_parse_hard`, `test_parse_channel_subdir`, `test_canonical_string_forms`,
    /// `test_pip_style2`, `test_comment`, `test_conda_style`, `test_parse_ecosystem_corpus`,
    /// `test_version_with_parentheses`), then rattler's (rattler_conda_types match_spec/parse.rs `test_from_str`,
    /// `test_split_version_and_build`, `test_pixi_issue_6618`, `test_issue_736`; match_spec/mod.rs
    /// `precedence_version_build`, `test_name_asterisk_edge_cases`), then the brief's.
    static let parsingCases: [(String, String, String?, String?, String?, String?)] = [
        // conda
        ("numpy", "numpy", nil, nil, nil, nil),
        ("defaults::numpy", "numpy", nil, nil, "defaults", nil),
        ("https://repo.anaconda.com/pkgs/free::numpy", "numpy", nil, nil, "https://repo.anaconda.com/pkgs/free", nil),
        ("defaults::numpy=1.8", "numpy", "1.8*", nil, "defaults", nil),
        ("defaults::numpy =1.8", "numpy", "1.8*", nil, "defaults", nil),
        ("defaults::numpy=1.8=py27_0", "numpy", "1.8", "py27_0", "defaults", nil),
        ("defaults::numpy 1.8 py27_0", "numpy", "1.8", "py27_0", "defaults", nil),
        ("defaults::numpy[channel=anaconda]", "numpy", nil, nil, "anaconda", nil),
        ("defaults::numpy 1.8 py27_0[channel=anaconda]", "numpy", "1.8", "py27_0", "anaconda", nil),
        ("defaults::numpy=1.8=py27_0 [channel=anaconda,version=1.9, build=3]", "numpy", "1.9", "3", "anaconda", nil),
        (#"defaults::numpy=1.8=py27_0 [channel='anaconda',version=">=1.8,<2|1.9", build='3']"#, "numpy", ">=1.8,<2|1.9", "3", "anaconda", nil),
        ("tensorflow[version=* md5=253b922ecdb5a30884875948b8904983]", "tensorflow", "*", nil, nil, nil),
        ("* 2.7.4", "*", "2.7.4", nil, nil, nil),
        ("* >=1.3 2", "*", ">=1.3", "2", nil, nil),
        ("numpy==1.7", "numpy", "1.7", nil, nil, nil),
        ("numpy ==1.7", "numpy", "1.7", nil, nil, nil),
        ("numpy=1.7", "numpy", "1.7*", nil, nil, nil),
        ("numpy =1.7", "numpy", "1.7*", nil, nil, nil),
        ("numpy !=1.7", "numpy", "!=1.7", nil, nil, nil),
        ("numpy~=1.7.1", "numpy", "~=1.7.1", nil, nil, nil),
        ("numpy>1.8,<2|==1.7", "numpy", ">1.8,<2|==1.7", nil, nil, nil),
        ("numpy >1.8,<2|==1.7,!=1.9,~=1.7.1 py34_0", "numpy", ">1.8,<2|==1.7,!=1.9,~=1.7.1", "py34_0", nil, nil),
        ("*>1.8,<2|==1.7", "*", ">1.8,<2|==1.7", nil, nil, nil),
        ("* >1.8,<2|==1.7", "*", ">1.8,<2|==1.7", nil, nil, nil),
        ("* 1 *", "*", "1", "*", nil, nil),
        ("* * openblas_0", "*", "*", "openblas_0", nil, nil),
        ("* * *", "*", "*", "*", nil, nil),
        ("* *", "*", "*", nil, nil, nil),
        ("conda-forge::foo>=1.0", "foo", ">=1.0", nil, "conda-forge", nil),
        ("conda-forge/linux-32::foo>=1.0", "foo", ">=1.0", nil, "conda-forge", "linux-32"),
        ("*/linux-32::foo>=1.0", "foo", ">=1.0", nil, nil, "linux-32"),
        ("numpy 1.7*", "numpy", "1.7*", nil, nil, nil),
        ("numpy 1.7.*", "numpy", "1.7.*", nil, nil, nil),
        ("numpy[version='1.7*']", "numpy", "1.7*", nil, nil, nil),
        ("numpy[version=1.7.*]", "numpy", "1.7.*", nil, nil, nil),
        ("numpy[version='1.7']", "numpy", "1.7", nil, nil, nil),
        ("numpy[version='1.7|1.8']", "numpy", "1.7|1.8", nil, nil, nil),
        (#"numpy[version="1.7,1.8"]"#, "numpy", "1.7,1.8", nil, nil, nil),
        ("numpy >1.7", "numpy", ">1.7", nil, nil, nil),
        ("numpy=1.7=py3*_2", "numpy", "1.7", "py3*_2", nil, nil),
        ("numpy=1.7.*=py3*_2", "numpy", "1.7.*", "py3*_2", nil, nil),
        ("numpy[channel=defaults,subdir=osx-64]", "numpy", nil, nil, "defaults", "osx-64"),
        ("numpy[channel=conda-forge,subdir=noarch]", "numpy", nil, nil, "conda-forge", "noarch"),
        ("numpy[subdir=win-32]", "numpy", nil, nil, nil, "win-32"),
        ("*/win-32::numpy", "numpy", nil, nil, nil, "win-32"),
        (#"*/win-32::numpy[subdir="osx-64"]"#, "numpy", nil, nil, nil, "osx-64"),
        ("defaults/win-32::numpy", "numpy", nil, nil, "defaults", "win-32"),
        ("conda-forge/linux-64::numpy", "numpy", nil, nil, "conda-forge", "linux-64"),
        ("numpy=1.10=py38_0", "numpy", "1.10", "py38_0", nil, nil),
        ("numpy==1.10=py38_0", "numpy", "1.10", "py38_0", nil, nil),
        ("numpy[version=1.10 build=py38_0]", "numpy", "1.10", "py38_0", nil, nil),
        ("numpy!=1.10 py38_0", "numpy", "!=1.10", "py38_0", nil, nil),
        ("numpy !=1.10=py38_0", "numpy", "!=1.10", "py38_0", nil, nil),
        ("numpy >1.7,!=1.10 py38_0", "numpy", ">1.7,!=1.10", "py38_0", nil, nil),
        ("numpy!=1.10.*", "numpy", "!=1.10.*", nil, nil, nil),
        ("numpy=1.10.*,!=1.10.2", "numpy", "=1.10.*,!=1.10.2", nil, nil, nil),
        ("numpy ~=1.10.1 py38_0", "numpy", "~=1.10.1", "py38_0", nil, nil),
        ("openssl=1.1.1_", "openssl", "1.1.1_*", nil, nil, nil),
        ("openssl>=1.1.1_,!=1.1.1c", "openssl", ">=1.1.1_,!=1.1.1c", nil, nil, nil),
        ("FOO-Bar >=1.0", "foo-bar", ">=1.0", nil, nil, nil),
        ("foo >= 1.0", "foo", ">=1.0", nil, nil, nil),
        ("foo > 1.0", "foo", ">1.0", nil, nil, nil),
        ("foo != 1.0", "foo", "!=1.0", nil, nil, nil),
        ("foo <1.0", "foo", "<1.0", nil, nil, nil),
        ("foo >=1.0 , < 2.0", "foo", ">=1.0,<2.0", nil, nil, nil),
        ("zope.int>=1.3,<3.0", "zope.int", ">=1.3,<3.0", nil, nil, nil),
        ("foo # comment", "foo", nil, nil, nil, nil),
        ("foo ## comment", "foo", nil, nil, nil, nil),
        ("foo=1.0=2", "foo", "1.0", "2", nil, nil),
        ("activate_deactivate_package=*=*0", "activate_deactivate_package", "*", "*0", nil, nil),
        ("conda-forge::libblas=*=*openblas", "libblas", "*", "*openblas", "conda-forge", nil),
        ("ca-certificates=*=*_0", "ca-certificates", "*", "*_0", nil, nil),
        ("pandas ==1.2.5 py37h295c915_0", "pandas", "1.2.5", "py37h295c915_0", nil, nil),
        ("ca-certificates =2022.9.24", "ca-certificates", "2022.9.24*", nil, nil, nil),
        ("ca-certificates<=2022.9.24,>2020", "ca-certificates", "<=2022.9.24,>2020", nil, nil, nil),
        ("ca-certificates[build='*_0']", "ca-certificates", nil, "*_0", nil, nil),
        ("pytorch::pytorch=1.12", "pytorch", "1.12*", nil, "pytorch", nil),
        ("foo (>=1,<2)|>3", "foo", "(>=1,<2)|>3", nil, nil, nil),
        ("* >=3,(<4|<5)", "*", ">=3,(<4|<5)", nil, nil, nil),
        ("numpy >=1.8,(<2|>=1.7.1)", "numpy", ">=1.8,(<2|>=1.7.1)", nil, nil, nil),
        ("python (>=3.8,<3.10)|(>=3.11,<3.13)", "python", "(>=3.8,<3.10)|(>=3.11,<3.13)", nil, nil, nil),
        // rattler
        ("blas *.* mkl", "blas", "*.*", "mkl", nil, nil),
        ("python 3.8.* *_cpython", "python", "3.8.*", "*_cpython", nil, nil),
        ("pytorch=*=cuda*", "pytorch", "*", "cuda*", nil, nil),
        ("x264 >=1!164.3095,<1!165", "x264", ">=1!164.3095,<1!165", nil, nil, nil),
        ("conda-forge::foo[version=1.0.*]", "foo", "1.0.*", nil, "conda-forge", nil),
        (#"conda-forge::foo[version=1.0.*, build_number=">6"]"#, "foo", "1.0.*", nil, "conda-forge", nil),
        ("python ==2.7.*.*|>=3.6", "python", "2.7.*.*|>=3.6", nil, nil, nil),
        ("python=3.9", "python", "3.9*", nil, nil, nil),
        ("python=*", "python", "*", nil, nil, nil),
        ("https://c.com/p/conda/linux-64::python[version=3.9]", "python", "3.9", nil, "https://c.com/p/conda", "linux-64"),
        ("https://c.com/p/conda::python[version=3.9, subdir=linux-64]", "python", "3.9", nil, "https://c.com/p/conda", "linux-64"),
        ("conda-forge/linux-32::python[version=3.9, subdir=linux-64]", "python", "3.9", nil, "conda-forge", "linux-64"),
        (#"conda-forge/linux-32::python ==3.9[subdir=linux-64, build_number="0"]"#, "python", "3.9", nil, "conda-forge", "linux-64"),
        ("python ==3.9[channel=conda-forge]", "python", "3.9", nil, "conda-forge", nil),
        ("python ==3.9[channel=conda-forge/linux-64]", "python", "3.9", nil, "conda-forge", "linux-64"),
        ("channel/win-64::foobar[channel=conda-forge, subdir=linux-64]", "foobar", nil, nil, "conda-forge", "linux-64"),
        ("rust ~=1.2.3", "rust", "~=1.2.3", nil, nil, nil),
        ("numpy>=2.*.*", "numpy", ">=2.*.*", nil, nil, nil),
        ("bird_tool_utils_python =0.*,>=0.4.1", "bird_tool_utils_python", "=0.*,>=0.4.1", nil, nil, nil),
        ("tmux=3.7b_", "tmux", "3.7b_*", nil, nil, nil),
        ("tmux==3.7b_", "tmux", "3.7b_", nil, nil, nil),
        ("foo=1.0_=py27_0", "foo", "1.0_", "py27_0", nil, nil),
        ("mamba * [build=*py310*]", "mamba", "*", "*py310*", nil, nil),
        ("mamba *[build=*py39*]", "mamba", "*", "*py39*", nil, nil),
        ("foo 3.0.* [version=1.2.3, build='foobar']", "foo", "1.2.3", "foobar", nil, nil),
        ("foo 3.0.* abcdef[build='foobar', version=1.2.3]", "foo", "1.2.3", "foobar", nil, nil),
        ("foo* >=12", "foo*", ">=12", nil, nil, nil),
        (#"conda-forge/linux-64::*[version=">=2.0", build="*_cpython"]"#, "*", ">=2.0", "*_cpython", "conda-forge", "linux-64"),
        ("__virtual_name >=12", "__virtual_name", ">=12", nil, nil, nil),
        ("^__virtual_regex.*$", "^__virtual_regex.*$", nil, nil, nil, nil),
        ("conda-forge/label/test::foo", "foo", nil, nil, "conda-forge/label/test", nil),
        // the brief and repodata `depends` entries
        ("python >=3.8,<3.9.0a0", "python", ">=3.8,<3.9.0a0", nil, nil, nil),
        ("numpy 1.2.* py38*", "numpy", "1.2.*", "py38*", nil, nil),
        ("libblas * *mkl", "libblas", "*", "*mkl", nil, nil),
        ("python_abi 3.12.* *_cp312", "python_abi", "3.12.*", "*_cp312", nil, nil),
        ("numpy[version='>=1.0', build='*openblas*', build_number='>=3', subdir=linux-64]", "numpy", ">=1.0", "*openblas*", nil, "linux-64"),
        (#"numpy[version=">= 1.0, <2"]"#, "numpy", ">=1.0,<2", nil, nil, nil),
        ("^py.*$ >=3", "^py.*$", ">=3", nil, nil, nil),
        ("^py(?!py).*$>=3 ^py3.*$", "^py(?!py).*$", ">=3", "^py3.*$", nil, nil),
        ("PyYAML", "pyyaml", nil, nil, nil, nil),
        ("ns:numpy", "numpy", nil, nil, nil, nil),
        ("  numpy  >=1.0   py38_0  ", "numpy", ">=1.0", "py38_0", nil, nil),
    ]

    @Test(arguments: parsingCases)
    func parsing(_ text: String, _ name: String, _ version: String?, _ build: String?, _ channel: String?, _ subdir: String?) {
        do {
            let spec = try MatchSpec(text)
            #expect(spec.name == name, "“\(text)”: name \(name), got \(spec.name)")
            #expect(spec.version?.description == version, "“\(text)”: version \(version ?? "none"), got \(spec.version?.description ?? "none")")
            #expect(spec.build == build, "“\(text)”: build \(build ?? "none"), got \(spec.build ?? "none")")
            #expect(spec.channel == channel, "“\(text)”: channel \(channel ?? "none"), got \(spec.channel ?? "none")")
            #expect(spec.subdir == subdir, "“\(text)”: subdir \(subdir ?? "none"), got \(spec.subdir ?? "none")")
        } catch {
            Issue.record("“\(text)” does not parse: \(error)")
        }
    }

    /// `exactName` (conda's `get_exact_value("name")`, tests/models/test_match_spec.py `test_exact_values`,
    /// `test_valid_package_names`).
    static let exactNameCases: [(String, String?)] = [
        ("numpy", "numpy"), ("*", nil), ("NumPy >=1", "numpy"), ("py*", nil), ("^py.*$", nil),
        ("conda-forge::numpy >=1", "numpy"), ("__glibc >=2.17", "__glibc"), ("my-package", "my-package"),
        ("my_package", "my_package"), ("my.package", "my.package"), ("r-base", "r-base"),
        ("python-dateutil", "python-dateutil"), ("_openmp_mutex", "_openmp_mutex"), ("_pkg", "_pkg"),
        ("__unix", "__unix"), ("_libgcc_mutex 0.1 conda_forge", "_libgcc_mutex"),
    ]

    @Test(arguments: exactNameCases)
    func exactName(_ text: String, _ expected: String?) throws {
        #expect(try MatchSpec(text).exactName == expected, "“\(text)”: exact name \(expected ?? "none")")
    }

    @Test func bracketFields() throws {
        let spec = try MatchSpec("numpy[build_number='>=3', md5=abc, sha256=\"def\", license='MIT or BSD']")
        #expect(spec.buildNumber == ">=3")
        #expect(spec.md5 == "abc")
        #expect(spec.sha256 == "def")
        #expect(spec.license == "MIT or BSD")
        #expect(spec.description == "numpy[build_number='>=3', md5=abc, sha256=\"def\", license='MIT or BSD']")
        #expect(try MatchSpec("  numpy >=1  ").description == "numpy >=1")
    }

    /// Equal specs are equal however they were written (conda `test_hash`).
    @Test func equalSpecs() throws {
        #expect(try MatchSpec("numpy 1.7*") == MatchSpec("numpy=1.7"))
        #expect(try MatchSpec("python 2.7.4") == MatchSpec("python[version=2.7.4]"))
        #expect(try MatchSpec("python 2.7.4").hashValue == MatchSpec("python[version=2.7.4]").hashValue)
        #expect(try MatchSpec("python") != MatchSpec("python 2.7.4"))
        #expect(try MatchSpec("tensorflow 2.6.*") != MatchSpec("tensorflow 2.6.0.*"))
    }

    // MARK: Matching

    /// (spec, name, version, build, build number, matches). Sources: conda tests/models/test_match_spec.py
    /// (`test_match_1` on numpy-1.7.1-py27_0, build number 0 as conda's `DPkg` derives it; `test_bracket_matches`;
    /// `test_openssl_match`; `test_dist`; `test_build_glob_merge`), conda's docs (pkg-specs.rst), rattler
    /// match_spec/mod.rs (`test_digest_match` builds, `test_match_generic_virtual_package`, `test_glob_in_name`),
    /// then the brief.
    static let matchingCases: [(String, String, String, String, Int, Bool)] = [
        // conda test_match_1
        ("numpy 1.7*", "numpy", "1.7.1", "py27_0", 0, true),
        ("numpy 1.7.1", "numpy", "1.7.1", "py27_0", 0, true),
        ("numpy 1.7", "numpy", "1.7.1", "py27_0", 0, false),
        ("numpy 1.5*", "numpy", "1.7.1", "py27_0", 0, false),
        ("numpy >=1.5", "numpy", "1.7.1", "py27_0", 0, true),
        ("numpy >=1.5,<2", "numpy", "1.7.1", "py27_0", 0, true),
        ("numpy >=1.8,<1.9", "numpy", "1.7.1", "py27_0", 0, false),
        ("numpy >1.5,<2,!=1.7.1", "numpy", "1.7.1", "py27_0", 0, false),
        ("numpy >1.8,<2|==1.7", "numpy", "1.7.1", "py27_0", 0, false),
        ("numpy >1.8,<2|>=1.7.1", "numpy", "1.7.1", "py27_0", 0, true),
        ("numpy >=1.8|1.7*", "numpy", "1.7.1", "py27_0", 0, true),
        ("numpy ==1.7", "numpy", "1.7.1", "py27_0", 0, false),
        ("numpy >=1.5,>1.6", "numpy", "1.7.1", "py27_0", 0, true),
        ("numpy ==1.7.1", "numpy", "1.7.1", "py27_0", 0, true),
        ("numpy ==1.7.1.0", "numpy", "1.7.1", "py27_0", 0, true),
        ("numpy==1.7.1.0.0", "numpy", "1.7.1", "py27_0", 0, true),
        ("numpy >=1,*.7.*", "numpy", "1.7.1", "py27_0", 0, true),
        ("numpy *.7.*,>=1", "numpy", "1.7.1", "py27_0", 0, true),
        ("numpy >=1,*.8.*", "numpy", "1.7.1", "py27_0", 0, false),
        ("numpy >=2,*.7.*", "numpy", "1.7.1", "py27_0", 0, false),
        ("numpy 1.6*|1.7*", "numpy", "1.7.1", "py27_0", 0, true),
        ("numpy 1.6*|1.8*", "numpy", "1.7.1", "py27_0", 0, false),
        ("numpy 1.6.2|1.7*", "numpy", "1.7.1", "py27_0", 0, true),
        ("numpy 1.6.2|1.7.1", "numpy", "1.7.1", "py27_0", 0, true),
        ("numpy 1.6.2|1.7.0", "numpy", "1.7.1", "py27_0", 0, false),
        ("numpy 1.7.1 py27_0", "numpy", "1.7.1", "py27_0", 0, true),
        ("numpy 1.7.1 py26_0", "numpy", "1.7.1", "py27_0", 0, false),
        ("numpy >1.7.1a", "numpy", "1.7.1", "py27_0", 0, true),
        ("python", "numpy", "1.7.1", "py27_0", 0, false),
        ("numpy >=1.0.1", "numpy", "1.0.1a", "0", 0, false),
        ("numpy >=1.0.1.vc11", "numpy", "1.0.1a.vc11", "0", 0, false),
        ("numpy >=1.0.1*.vc11", "numpy", "1.0.1a.vc11", "0", 0, true),
        ("numpy <1.0.1", "numpy", "1.0.1.vc11", "0", 0, true),
        ("numpy <1.0.1", "numpy", "1.0.1a.vc11", "0", 0, true),
        ("numpy >=1.0.1.vc11", "numpy", "1.0.1a", "0", 0, false),
        ("numpy >=1.0.1a", "numpy", "1.0.1z", "0", 0, true),
        ("numpy >=1.0.1a py27*", "numpy", "1.0.1z", "py27_1", 1, true),
        ("blas * openblas_0", "blas", "1.0", "openblas_0", 0, true),
        // conda test_bracket_matches
        ("numpy<2", "numpy", "1.11.0", "py34_7", 7, true),
        ("numpy[version=<2]", "numpy", "1.11.0", "py34_7", 7, true),
        ("numpy>2", "numpy", "1.11.0", "py34_7", 7, false),
        ("numpy[version='>2']", "numpy", "1.11.0", "py34_7", 7, false),
        ("numpy[build_number='7']", "numpy", "1.11.0", "py34_7", 7, true),
        ("numpy[build_number='<8']", "numpy", "1.11.0", "py34_7", 7, true),
        ("numpy[build_number='>7']", "numpy", "1.11.0", "py34_7", 7, false),
        ("numpy[build_number='>=7']", "numpy", "1.11.0", "py34_7", 7, true),
        ("numpy ~=1.10", "numpy", "1.11.0", "py34_7", 7, true),
        ("numpy~=1.10", "numpy", "1.11.0", "py34_7", 7, true),
        // conda test_openssl_match, test_dist
        ("openssl>=1.0.1_", "openssl", "1.0.1_", "4", 4, true),
        ("openssl>=1.0.1", "openssl", "1.0.1_", "4", 4, false),
        ("python 3.5*", "python", "3.5.3", "1", 1, true),
        ("python 3.5*", "python", "3.6.0", "0", 0, false),
        ("python 3.5*", "python", "3.5.1", "0", 0, true),
        // conda test_build_glob_merge
        ("my_pkg=1.17.*", "my_pkg", "1.17.3", "red_habc123_3", 3, true),
        ("my_pkg=1.17.*", "my_pkg", "1.17.3", "blue_hdef1234_3", 3, true),
        ("my_pkg=1.17.*=red_*", "my_pkg", "1.17.3", "red_habc123_3", 3, true),
        ("my_pkg=1.17.*=red_*", "my_pkg", "1.17.3", "blue_hdef1234_3", 3, false),
        ("my_pkg=1.17.*=blue_*", "my_pkg", "1.17.3", "red_habc123_3", 3, false),
        ("my_pkg=1.17.*=blue_*", "my_pkg", "1.17.3", "blue_hdef1234_3", 3, true),
        ("my_pkg=1.17.*=blue_hdef1234_*", "my_pkg", "1.17.3", "red_habc123_3", 3, false),
        ("my_pkg=1.17.*=blue_hdef1234_*", "my_pkg", "1.17.3", "blue_hdef1234_3", 3, true),
        ("my_pkg=1.17.*=red_habc123_3", "my_pkg", "1.17.3", "red_habc123_3", 3, true),
        ("my_pkg=1.17.*=red_habc123_3", "my_pkg", "1.17.3", "blue_hdef1234_3", 3, false),
        ("my_pkg=1.17.*=*red*", "my_pkg", "1.17.3", "red_habc123_3", 3, true),
        ("my_pkg=1.17.*=*red*", "my_pkg", "1.17.3", "blue_hdef1234_3", 3, false),
        ("my_pkg=1.17.*=*_3", "my_pkg", "1.17.3", "red_habc123_3", 3, true),
        ("my_pkg=1.17.*=*_3", "my_pkg", "1.17.3", "blue_hdef1234_3", 3, true),
        ("my_pkg=1.17.*=*_2", "my_pkg", "1.17.3", "red_habc123_3", 3, false),
        ("my_pkg=1.17.*=*_habc123_3", "my_pkg", "1.17.3", "red_habc123_3", 3, true),
        ("my_pkg=1.17.*=*_habc123_3", "my_pkg", "1.17.3", "blue_hdef1234_3", 3, false),
        // conda docs
        ("numpy=1.11", "numpy", "1.11.0", "0", 0, true),
        ("numpy=1.11", "numpy", "1.11.5", "0", 0, true),
        ("numpy=1.11", "numpy", "1.12", "0", 0, false),
        ("numpy==1.11", "numpy", "1.11.0", "0", 0, true),
        ("numpy==1.11", "numpy", "1.11.0.0", "0", 0, true),
        ("numpy==1.11", "numpy", "1.11.1", "0", 0, false),
        ("numpy>=1.8,<2", "numpy", "1.9", "0", 0, true),
        ("numpy>=1.8,<2", "numpy", "2.0", "0", 0, false),
        ("numpy=1.11.2=*nomkl*", "numpy", "1.11.2", "py27_nomkl_0", 0, true),
        ("numpy=1.11.2=*nomkl*", "numpy", "1.11.2", "py27_mkl_0", 0, false),
        ("numpy=1.11.1|1.11.3", "numpy", "1.11.3", "0", 0, true),
        ("numpy=1.11.1|1.11.3", "numpy", "1.11.2", "0", 0, false),
        // rattler test_digest_match (builds) and test_layered_matches
        ("mamba[build=*py310_1]", "mamba", "1.0", "foo_bar_py310_1", 0, true),
        ("mamba[build=*py310*]", "mamba", "1.0", "foo_bar_py310_1", 0, true),
        ("mamba[build=*py39*]", "mamba", "1.0", "foo_bar_py310_1", 0, false),
        ("mamba * [build=*py310*]", "mamba", "1.0", "foo_bar_py310_1", 0, true),
        ("mamba *[build=*py39*]", "mamba", "1.0", "foo_bar_py310_1", 0, false),
        ("mamba * [build=*py39*]", "mamba", "1.0", "foo_bar_py310_1", 0, false),
        ("mamba[version==1.0]", "mamba", "1.0", "", 0, true),
        // rattler test_match_generic_virtual_package (foo 1.0 py37_0)
        ("foo >=1.0 py37_0", "foo", "1.0", "py37_0", 0, true),
        ("foo >=1.0 py37*", "foo", "1.0", "py37_0", 0, true),
        ("foo 1.0.* py38*", "foo", "1.0", "py37_0", 0, false),
        ("foo * py37_1", "foo", "1.0", "py37_0", 0, false),
        ("foo ==1.0", "foo", "1.0", "py37_0", 0, true),
        ("foo >=2.0", "foo", "1.0", "py37_0", 0, false),
        ("foo >=1.0", "foo", "1.0", "py37_0", 0, true),
        ("foo", "foo", "1.0", "py37_0", 0, true),
        ("bar", "foo", "1.0", "py37_0", 0, false),
        // rattler test_glob_in_name
        ("foo* >=12", "foo", "13.0", "", 0, true),
        ("foo* >=12", "foo", "11.0", "", 0, false),
        ("foo* >=12", "foo-bar", "12.0", "", 0, true),
        // rattler test_pixi_issue_3922, test_pixi_issue_6618
        ("bird_tool_utils_python =0.*,>=0.4.1", "bird_tool_utils_python", "0.4.1", "pyhd8ed1ab_0", 0, true),
        ("tmux=3.7b_", "tmux", "3.7b_", "h1", 0, true),
        // The brief: repodata depends, globs, regexes, build numbers, names
        ("python >=3.8,<3.9.0a0", "python", "3.8.18", "h1_0", 0, true),
        ("python >=3.8,<3.9.0a0", "python", "3.9.0", "h1_0", 0, false),
        ("python >=3.8,<3.9.0a0", "python", "3.9.0rc1", "h1_0", 0, false),
        ("numpy 1.2.* py38*", "numpy", "1.2.3", "py38h1234_0", 0, true),
        ("numpy 1.2.* py38*", "numpy", "1.20.0", "py38h1234_0", 0, false),
        ("libblas * *mkl", "libblas", "3.9.0", "20_linux64_mkl", 20, true),
        ("libblas * *mkl", "libblas", "3.9.0", "20_linux64_openblas", 20, false),
        ("python_abi 3.12.* *_cp312", "python_abi", "3.12", "4_cp312", 4, true),
        (#"numpy * ^py27_\d+$"#, "numpy", "1.7.1", "py27_0", 0, true),
        ("numpy * ^py3.*$", "numpy", "1.7.1", "py27_0", 0, false),
        ("^nu.*$", "numpy", "1.7.1", "py27_0", 0, true),
        ("^NUMPY$", "numpy", "1.7.1", "py27_0", 0, true),
        ("^py.*$", "numpy", "1.7.1", "py27_0", 0, false),
        ("*", "numpy", "1.7.1", "py27_0", 0, true),
        ("* 1.7.1", "numpy", "1.7.1", "py27_0", 0, true),
        ("NumPy 1.7.1", "numpy", "1.7.1", "py27_0", 0, true),
        ("numpy 1.5 [version=1.7.1]", "numpy", "1.7.1", "py27_0", 0, true),
        ("numpy[build_number=7]", "numpy", "1.11.0", "py34_7", 7, true),
        ("numpy[build_number='!=7']", "numpy", "1.11.0", "py34_7", 7, false),
        ("numpy[build_number='==7']", "numpy", "1.11.0", "py34_7", 7, true),
        ("numpy[build_number=*]", "numpy", "1.11.0", "py34_7", 7, true),
        ("numpy[build_number='<=6']", "numpy", "1.11.0", "py34_7", 7, false),
        ("numpy[build_number='> 6']", "numpy", "1.11.0", "py34_7", 7, true),
        // Build strings match case-sensitively in conda (GlobStrMatch); rattler matches them ignoring case
        // (CEP 29, match_spec/matcher.rs `test_case_insensitive_matching`). We follow conda.
        ("numpy * PY27_0", "numpy", "1.7.1", "py27_0", 0, false),
        ("numpy * Py*", "numpy", "1.7.1", "py27_0", 0, false),
        // The channel is the caller's to check.
        ("conda-forge::numpy 1.7.1", "numpy", "1.7.1", "py27_0", 0, true),
        // Versions conda refuses are still compared (leniently) rather than crash the match.
        ("numpy >=1.0", "numpy", "1.2.3-beta_1", "0", 0, true),
    ]

    @Test(arguments: matchingCases)
    func matching(_ text: String, _ name: String, _ version: String, _ build: String, _ buildNumber: Int, _ expected: Bool) {
        do {
            let spec = try MatchSpec(text)
            let candidate = MatchCandidate(
                name: name, version: CondaVersion(version), build: build, buildNumber: buildNumber, subdir: "linux-64")
            #expect(spec.matches(candidate) == expected, "“\(text)” matches \(name)-\(version)-\(build) (#\(buildNumber)): \(expected)")
        } catch {
            Issue.record("“\(text)” does not parse: \(error)")
        }
    }

    /// (spec, licence, md5, sha256, matches) on mamba 1.0: conda `test_license_match` (licences are matched
    /// ignoring case, by glob or exactly), rattler `test_digest_match` and `test_field_matches`.
    static let fieldCases: [(String, String?, String?, String?, Bool)] = [
        ("*[license='*gpl*']", "LGPLv3+", nil, nil, true),
        ("*[license='*v3+']", "LGPLv3+", nil, nil, true),
        ("*[license='*GP*']", "LGPLv3+", nil, nil, true),
        ("mamba[license=LGPLv3+]", "LGPLv3+", nil, nil, true),
        ("mamba[license=lgplv3+]", "LGPLv3+", nil, nil, true),
        ("mamba[license='^LGPL.*$']", "LGPLv3+", nil, nil, true),
        ("mamba[license=BSD-3-Clause]", "BSD-3-Clause", nil, nil, true),
        ("mamba[license=MIT]", "BSD-3-Clause", nil, nil, false),
        ("mamba[license=MIT]", nil, nil, nil, false),
        ("mamba[license='*']", nil, nil, nil, false),
        ("mamba[version==1.0, sha256=aaac4bc9c6916ecc0e33137431645b029ade22190c7144eead61446dcbcc6f97]", nil, "dede6252c964db3f3e41c7d30d07f6bf", "f44c4bc9c6916ecc0e33137431645b029ade22190c7144eead61446dcbcc6f97", false),
        ("mamba[version==1.0, sha256=f44c4bc9c6916ecc0e33137431645b029ade22190c7144eead61446dcbcc6f97]", nil, "dede6252c964db3f3e41c7d30d07f6bf", "f44c4bc9c6916ecc0e33137431645b029ade22190c7144eead61446dcbcc6f97", true),
        ("mamba[version==1.0, md5=aaaa6252c964db3f3e41c7d30d07f6bf]", nil, "dede6252c964db3f3e41c7d30d07f6bf", "f44c4bc9c6916ecc0e33137431645b029ade22190c7144eead61446dcbcc6f97", false),
        ("mamba[version==1.0, md5=dede6252c964db3f3e41c7d30d07f6bf]", nil, "dede6252c964db3f3e41c7d30d07f6bf", "f44c4bc9c6916ecc0e33137431645b029ade22190c7144eead61446dcbcc6f97", true),
        ("mamba[version==1.0, md5=dede6252c964db3f3e41c7d30d07f6bf, sha256=f44c4bc9c6916ecc0e33137431645b029ade22190c7144eead61446dcbcc6f97]", nil, "dede6252c964db3f3e41c7d30d07f6bf", "f44c4bc9c6916ecc0e33137431645b029ade22190c7144eead61446dcbcc6f97", true),
        ("mamba[version==1.0, md5=dede6252c964db3f3e41c7d30d07f6bf, sha256=aaac4bc9c6916ecc0e33137431645b029ade22190c7144eead61446dcbcc6f97]", nil, "dede6252c964db3f3e41c7d30d07f6bf", "f44c4bc9c6916ecc0e33137431645b029ade22190c7144eead61446dcbcc6f97", false),
        ("mamba[md5=dede6252c964db3f3e41c7d30d07f6bf]", nil, nil, nil, false),
    ]

    @Test(arguments: fieldCases)
    func fieldMatching(_ text: String, _ license: String?, _ md5: String?, _ sha256: String?, _ expected: Bool) {
        do {
            let spec = try MatchSpec(text)
            let candidate = MatchCandidate(
                name: "mamba", version: CondaVersion("1.0"), build: "foo_bar_py310_1", buildNumber: 1, subdir: "linux-64",
                md5: md5, sha256: sha256, license: license)
            #expect(spec.matches(candidate) == expected, "“\(text)” with licence \(license ?? "none"): \(expected)")
        } catch {
            Issue.record("“\(text)” does not parse: \(error)")
        }
    }

    /// (spec, subdir of the record, matches): subdirs from `channel/subdir::` or `[subdir=…]` compare exactly.
    static let subdirCases: [(String, String, Bool)] = [
        ("numpy[subdir=linux-64]", "linux-64", true),
        ("numpy[subdir=linux-64]", "osx-64", false),
        ("conda-forge/osx-arm64::numpy", "osx-arm64", true),
        ("conda-forge/osx-arm64::numpy", "linux-64", false),
        ("*/noarch::numpy", "noarch", true),
        ("conda-forge/linux-32::numpy[subdir=linux-64]", "linux-64", true),
    ]

    @Test(arguments: subdirCases)
    func subdirMatching(_ text: String, _ subdir: String, _ expected: Bool) throws {
        let candidate = MatchCandidate(name: "numpy", version: CondaVersion("1.0"), build: "0", buildNumber: 0, subdir: subdir)
        #expect(try MatchSpec(text).matches(candidate) == expected, "“\(text)” in \(subdir): \(expected)")
    }

    @Test func candidateFromRecord() throws {
        let record = CondaRecord(
            name: "numpy", version: "1.26.4", build: "py312h1234_0", buildNumber: 0, sha256: nil, md5: nil, size: 1,
            subdir: nil, depends: [], license: "BSD-3-Clause", timestamp: nil)
        let candidate = MatchCandidate(record, subdir: "linux-64")
        #expect(candidate.version == CondaVersion("1.26.4.0"))
        #expect(try MatchSpec("numpy >=1.26,<2 py312*[subdir=linux-64, license=bsd-3-clause]").matches(candidate))
        #expect(try !MatchSpec("numpy[subdir=osx-64]").matches(candidate))
    }

    // MARK: Errors

    /// (spec, position, words in the message). Sources: conda tests/models/test_match_spec.py
    /// (`test_matchspec_errors`, `test_invalid_match_spec`, `test_invalid_package_name_rejected`,
    /// `test_catch_invalid_regexes`, `test_invalid_version_reports_spec`, `test_bad_brackets`,
    /// `test_extras_flags_empty_value_raises`, `test_bare_equals_operator_raises` — an xfail in conda, which still
    /// reads `foo=` as `foo`; we refuse it as conda intends), rattler (`test_invalid_bracket`,
    /// `test_invalid_bracket_key`), then the brief.
    static let errorCases: [(String, Int, String)] = [
        ("", 0, "empty spec"),
        ("   ", 0, "empty spec"),
        ("blas [optional", 5, "never closed"),
        ("blas [test=]", 6, "unknown key “test”"),
        (#"blas[invalid="1"]"#, 5, "unknown key “invalid”"),
        ("!xyz 1.3", 0, "expected a package name"),
        ("'package'", 0, "in the package name"),
        (#""package""#, 0, "in the package name"),
        ("pack@ge", 4, "in the package name"),
        ("pkg..name", 4, "two separators in a row"),
        ("pkg--name", 4, "two separators in a row"),
        (".pkg", 0, "must start with"),
        ("-pkg", 0, "must start with"),
        ("*/lin(ux-65::f/o>=>1y", 14, "in the package name"),
        ("^(aaaa$", 0, "invalid regular expression"),
        ("pkg 4.2.2<6.0.0", 9, "unexpected “<”"),
        ("pkg>=0.10.0,<1.0.0<py312|>=0.13.0,<1.0.0>=py312", 18, "unexpected “<”"),
        ("package[build", 7, "never closed"),
        ("package[build=", 7, "never closed"),
        ("package[build=]", 14, "expected a value for “build”"),
        ("package[build=value, build=again]", 21, "a second “build”"),
        ("package[build]", 13, "expected “=” after “build”"),
        ("package[build=0][version=2]", 16, "only one “[…]” section"),
        ("package[build=0]{something else}", 16, "nothing may follow"),
        ("package[a,b]", 8, "unknown key “a”"),
        ("pkg[extras=]", 4, "unsupported key “extras”"),
        ("pkg[build=0,junk]", 12, "unknown key “junk”"),
        ("python[when=__win]", 7, "unsupported key “when”"),
        ("tensorflow[name=pytorch]", 11, "write the package name before"),
        ("numpy[]", 6, "expected a key"),
        ("numpy[version='']", 15, "expected a value for “version”"),
        ("numpy[version=1.0", 5, "never closed"),
        ("numpy[version='1.0]", 14, "never closed"),
        ("numpy[version=>=1.0,<2]", 20, "expected a key"),
        ("numpy[version='1.0'build=2]", 19, "expected “,” or “]”"),
        ("numpy[version=1.0]junk", 18, "nothing may follow"),
        ("numpy]", 5, "no “[” to close"),
        ("numpy=", 6, "expected a version after “=”"),
        ("numpy =", 7, "expected a version after “=”"),
        ("numpy==", 7, "expected a version after “==”"),
        ("numpy>=", 7, "expected a version after “>=”"),
        ("numpy<=", 7, "expected a version after “<=”"),
        ("numpy >= ", 8, "expected a version after “>=”"),
        ("numpy>>1", 5, "unexpected “>>”"),
        ("numpy=>1", 5, "unexpected “=>”"),
        ("numpy =<1.0", 6, "unexpected “=<”"),
        ("numpy >=1.0,(<2", 12, "never closed"),
        ("numpy 1.0)", 9, "no “(” to close"),
        ("numpy >=1.0,", 12, "expected a version"),
        ("numpy ~=1.2.*", 11, "cannot be combined with “.*”"),
        ("numpy ~=1", 8, "at least two parts"),
        ("numpy >=1..2", 10, "version part"),
        ("numpy 1.0 py38 extra", 15, "unexpected “extra”"),
        ("numpy * ^py(3$", 8, "invalid regular expression"),
        // conda's build split refuses `-` in a positional build, so the regex stays in the version, where a `$`
        // without a leading `^` is refused (conda reads the same).
        ("numpy * ^py27_[0-9]$", 6, "must start with “^”"),
        ("numpy[build='^py(3$']", 13, "invalid regular expression"),
        ("numpy[license='^(MIT$']", 15, "invalid regular expression"),
        ("numpy[build_number=abc]", 19, "build_number takes a whole number"),
        ("numpy[build_number='>=x']", 22, "build_number takes a whole number"),
        ("numpy[build_number='>=']", 22, "build_number takes a whole number"),
        ("numpy[build_number=1.5]", 20, "build_number takes a whole number"),
        ("numpy[version='>=1.0,<']", 22, "expected a version after “<”"),
        (">=1.0", 0, "expected a package name"),
        ("conda-forge::", 13, "expected a package name"),
        ("# only a comment", 0, "expected a package name"),
        ("^numpy >=1", 6, "must end with “$”"),
        ("numpy$", 0, "must start with “^”"),
    ]

    @Test(arguments: errorCases)
    func refused(_ text: String, _ position: Int, _ words: String) {
        do {
            let spec = try MatchSpec(text)
            Issue.record("“\(text)” should not parse, got name \(spec.name), version \(spec.version?.description ?? "none")")
        } catch {
            #expect(error.position == position, "“\(text)”: error at \(position), got \(error.position): \(error.message)")
            #expect(error.message.contains(words), "“\(text)”: “\(error.message)” mentions “\(words)”")
            #expect(error.message.contains("at \(error.position)"), "“\(text)”: the message names the position")
            #expect(error.spec == text.trimmingCharacters(in: .whitespaces) || text.allSatisfy(\.isWhitespace))
        }
    }
}
