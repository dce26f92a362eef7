import Testing
@testable import DepotCore

/// Hand-built graphs: what a policy keeps, filters and reports.
@Suite struct PolicyEvaluatorTests {
    static let now: Int64 = 1_780_000_000

    static func pkg(
        _ name: String, _ version: String, _ build: String = "0", subdir: String = "linux-64", depends: [String] = [],
        license: String? = "MIT", family: String? = nil, uploaded: Int64? = nil
    ) -> PolicyPackage {
        PolicyPackage(
            subdir: subdir, filename: "\(name)-\(version)-\(build).conda",
            record: CondaRecord(
                name: name, version: version, build: build, buildNumber: 0, sha256: nil, md5: nil, size: nil, subdir: subdir,
                depends: depends, license: license, timestamp: uploaded.map { $0 * 1000 }, licenseFamily: family))
    }

    static func evaluate(_ rules: PolicyRules, _ packages: [PolicyPackage], source: String = "https://conda.example/conda-forge/") throws -> PolicyEvaluation {
        PolicyEvaluator.evaluate(try CompiledPolicy(rules), packages: packages, source: source, now: now)
    }

    static func kept(_ evaluation: PolicyEvaluation, _ packages: [PolicyPackage]) -> [String] {
        zip(packages, evaluation.decisions).filter { $0.1 == nil }.map { "\($0.0.record.name)-\($0.0.record.version)" }.sorted()
    }

    static func reason(_ evaluation: PolicyEvaluation, _ packages: [PolicyPackage], _ name: String, _ version: String) -> FilterReason? {
        let index = packages.firstIndex { $0.record.name == name && $0.record.version == version }!
        return evaluation.decisions[index]?.reason
    }

    @Test func diamondKeepsEveryBranchOnceInTheReport() throws {
        let packages = [
            Self.pkg("app", "1.0", depends: ["liba", "libb >=2"]),
            Self.pkg("liba", "1.0", depends: ["libc 1.*"]),
            Self.pkg("libb", "1.0"), Self.pkg("libb", "2.0", depends: ["libc >=1"]),
            Self.pkg("libc", "1.5"), Self.pkg("libc", "2.0"),
            Self.pkg("unrelated", "1.0"),
        ]
        let evaluation = try Self.evaluate(PolicyRules(allow: ["app"], includeDependencies: true), packages)
        #expect(Self.kept(evaluation, packages) == ["app-1.0", "liba-1.0", "libb-2.0", "libc-1.5", "libc-2.0"])
        #expect(Self.reason(evaluation, packages, "libb", "1.0") == .notAllowed)
        #expect(Self.reason(evaluation, packages, "unrelated", "1.0") == .notAllowed)
        #expect(evaluation.dependencyCount == 4)
        let rule = try #require(evaluation.report?.rules.first)
        #expect(rule.spec == "app")
        #expect(rule.matched == ["linux-64/app-1.0-0.conda"])
        #expect(rule.dependencies.map(\.name).sorted() == ["liba", "libb", "libc", "libc"])
        #expect(Set(rule.dependencies.map(\.package)).count == rule.dependencies.count)
        let liba = try #require(rule.dependencies.first { $0.name == "liba" })
        #expect(liba.direct && liba.requiredBy == "linux-64/app-1.0-0.conda" && liba.spec == "liba")
        let libc15 = try #require(rule.dependencies.first { $0.package == "linux-64/libc-1.5-0.conda" })
        #expect(!libc15.direct)
        #expect(rule.unresolved.isEmpty)
    }

    @Test func cyclesTerminate() throws {
        let packages = [Self.pkg("a", "1", depends: ["b"]), Self.pkg("b", "1", depends: ["c"]), Self.pkg("c", "1", depends: ["a >=1"])]
        let evaluation = try Self.evaluate(PolicyRules(allow: ["a"], includeDependencies: true), packages)
        #expect(Self.kept(evaluation, packages) == ["a-1", "b-1", "c-1"])
        #expect(evaluation.report?.rules[0].dependencies.map(\.name) == ["b", "c"])
    }

    @Test func missingAndUnsatisfiableDependenciesAreReportedUnresolved() throws {
        let packages = [
            Self.pkg("a", "1", depends: ["ghost >=1", "b >=5", "__glibc >=2.17", "c"]),
            Self.pkg("b", "1"), Self.pkg("c", "1"),
        ]
        let evaluation = try Self.evaluate(PolicyRules(allow: ["a"], block: ["c"], includeDependencies: true), packages)
        #expect(Self.kept(evaluation, packages) == ["a-1"])
        #expect(Self.reason(evaluation, packages, "c", "1") == .blockedByRule)
        let unresolved = try #require(evaluation.report?.rules[0].unresolved)
        #expect(unresolved.map(\.spec) == ["ghost >=1", "b >=5", "c"])
        #expect(unresolved[0].reason.contains("no package named “ghost”"))
        #expect(unresolved[1].reason.contains("no version of “b”"))
        #expect(unresolved[2].reason.contains("filtered"))
        #expect(unresolved.allSatisfy { $0.requiredBy == "linux-64/a-1-0.conda" })
    }

    @Test func withoutIncludeDependenciesOnlyMatchesAreKeptAndNoReportIsMade() throws {
        let packages = [Self.pkg("a", "1", depends: ["b"]), Self.pkg("b", "1")]
        let evaluation = try Self.evaluate(PolicyRules(allow: ["a"]), packages)
        #expect(Self.kept(evaluation, packages) == ["a-1"])
        #expect(evaluation.report == nil)
        #expect(evaluation.decisions[1]?.detail == "no allow rule matches it")
    }

    @Test func dependenciesStayInTheirSubdirOrNoarch() throws {
        let packages = [
            Self.pkg("app", "1", subdir: "linux-64", depends: ["helper", "lib"]),
            Self.pkg("helper", "1", subdir: "noarch", depends: ["python >=3.10"]),
            Self.pkg("python", "3.11", subdir: "linux-64"), Self.pkg("python", "3.12", subdir: "osx-64"),
            Self.pkg("python", "3.9", subdir: "linux-64"),
            Self.pkg("lib", "1", subdir: "osx-64"),
        ]
        let evaluation = try Self.evaluate(PolicyRules(allow: ["app"], includeDependencies: true), packages)
        // A noarch package's dependencies may come from any mirrored subdir; a linux-64 one's never from osx-64.
        #expect(Self.kept(evaluation, packages) == ["app-1", "helper-1", "python-3.11", "python-3.12"])
        #expect(evaluation.report?.rules[0].unresolved.map(\.spec) == ["lib"])
    }

    @Test func emptyAllowKeepsEverythingButWhatIsBlocked() throws {
        let packages = [Self.pkg("numpy", "1.26"), Self.pkg("numpy", "1.19"), Self.pkg("scipy", "1.0")]
        let evaluation = try Self.evaluate(PolicyRules(block: ["numpy <1.20"]), packages)
        #expect(Self.kept(evaluation, packages) == ["numpy-1.26", "scipy-1.0"])
        #expect(evaluation.decisions[1] == .init(reason: .blockedByRule, detail: "numpy <1.20"))
        #expect(evaluation.report == nil)
    }

    @Test func blockWinsOverAllow() throws {
        let packages = [Self.pkg("libblas", "3.9", "8_mkl"), Self.pkg("libblas", "3.9", "8_openblas")]
        let evaluation = try Self.evaluate(PolicyRules(allow: ["libblas"], block: ["libblas * *mkl"]), packages)
        #expect(evaluation.decisions.map { $0?.reason } == [.blockedByRule, nil])
    }

    @Test func licenceRulesMatchLicenceAndFamilyCaseInsensitively() throws {
        let packages = [
            Self.pkg("a", "1", license: "AGPL-3.0-only"), Self.pkg("b", "1", license: "GPL-3.0-or-later"),
            Self.pkg("c", "1", license: "Custom", family: "GPL3"), Self.pkg("d", "1", license: nil),
            Self.pkg("e", "1", license: "  "), Self.pkg("f", "1", license: "BSD-3-Clause", family: "BSD"),
        ]
        let evaluation = try Self.evaluate(PolicyRules(licenseBlock: ["agpl*", "GPL-3.0*", "gpl3"], blockMissingLicense: true), packages)
        #expect(evaluation.decisions.map { $0?.reason } == [.license, .license, .license, .license, .license, nil])
        #expect(evaluation.decisions[0]?.detail.contains("AGPL-3.0-only") == true)
        #expect(evaluation.decisions[3]?.detail == "no licence given")
        let lenient = try Self.evaluate(PolicyRules(licenseBlock: ["AGPL*"]), packages)
        #expect(lenient.decisions.map { $0?.reason } == [.license, nil, nil, nil, nil, nil])
    }

    @Test func uploadDateWindow() throws {
        let day: Int64 = 86_400
        let packages = [
            Self.pkg("fresh", "1", uploaded: Self.now - day), Self.pkg("settled", "1", uploaded: Self.now - 30 * day),
            Self.pkg("ancient", "1", uploaded: 1_500_000_000), Self.pkg("undated", "1"),
        ]
        let evaluation = try Self.evaluate(PolicyRules(coolingOffDays: 7, excludeBefore: "2020-01-01"), packages)
        #expect(evaluation.decisions.map { $0?.reason } == [.tooNew, nil, .tooOld, nil])
        #expect(evaluation.decisions[0]?.detail.contains("7-day cooling-off") == true)
        #expect(evaluation.decisions[2]?.detail == "uploaded 2017-07-14, before 2020-01-01")
    }

    @Test func secondsTimestampsAreReadAsSeconds() {
        let record = CondaRecord(
            name: "x", version: "1", build: "0", buildNumber: 0, sha256: nil, md5: nil, size: nil, subdir: nil, depends: [], license: nil,
            timestamp: 1_500_000_000)
        #expect(record.uploadedAt == 1_500_000_000)
    }

    @Test func subdirSelectionAlwaysKeepsNoarch() throws {
        let packages = [Self.pkg("a", "1", subdir: "linux-64"), Self.pkg("a", "1", subdir: "win-64"), Self.pkg("b", "1", subdir: "noarch")]
        for subdirs in [["linux-64", "noarch"], ["linux-64"]] {
            let evaluation = try Self.evaluate(PolicyRules(subdirs: subdirs), packages)
            #expect(evaluation.decisions.map { $0?.reason } == [nil, .subdirNotSelected, nil], "\(subdirs)")
            #expect(evaluation.decisions[1]?.detail == "the policy keeps linux-64, noarch")
        }
    }

    @Test func licenceExpressionsAreSplitIntoIdentifiers() throws {
        let packages = [
            Self.pkg("a", "1", license: "MIT AND AGPL-3.0-only"), Self.pkg("b", "1", license: "(MIT OR AGPL-3.0-or-later)"),
            Self.pkg("c", "1", license: "Apache-2.0 WITH LLVM-exception"), Self.pkg("d", "1", license: "LGPL-2.1-or-later"),
        ]
        let evaluation = try Self.evaluate(PolicyRules(licenseBlock: ["AGPL*", "GPL-3.0*"]), packages)
        #expect(evaluation.decisions.map { $0?.reason } == [.license, .license, nil, nil])
    }

    @Test func channelPartMustNameTheSource() throws {
        let packages = [Self.pkg("pandas", "2.0")]
        let here = try Self.evaluate(PolicyRules(allow: ["conda-forge::pandas"]), packages)
        #expect(here.decisions == [nil])
        let elsewhere = try Self.evaluate(PolicyRules(allow: ["bioconda::pandas"]), packages)
        #expect(elsewhere.decisions.map { $0?.reason } == [.notAllowed])
        let cases: [(source: String, channel: String, matches: Bool)] = [
            ("https://conda.anaconda.org/conda-forge/label/main", "conda-forge", true),
            ("https://conda.anaconda.org/conda-forge/label/main/", "main", true),
            ("https://depot.example/api/repo/team/ml", "ml", true),
            ("https://depot.example/t/dpt_x/api/repo/ml", "dpt_x", false),
            ("https://repo.anaconda.com/pkgs/main", "defaults", true),
            ("https://mirror.example/pkgs/main", "defaults", false),
            ("https://conda.anaconda.org/bioconda", "conda-forge", false),
        ]
        for item in cases {
            let evaluation = try Self.evaluate(PolicyRules(allow: ["\(item.channel)::pandas"]), packages, source: item.source)
            #expect((evaluation.decisions == [nil]) == item.matches, "\(item.channel) in \(item.source)")
        }
    }

    @Test func dependenciesThatNamePatternsAreUnresolvedNotEverything() throws {
        let packages = [Self.pkg("a", "1", depends: ["*", "py*", "b"]), Self.pkg("b", "1"), Self.pkg("python", "3.12"), Self.pkg("zlib", "1")]
        let evaluation = try Self.evaluate(PolicyRules(allow: ["a"], includeDependencies: true), packages)
        #expect(Self.kept(evaluation, packages) == ["a-1", "b-1"])
        let unresolved = try #require(evaluation.report?.rules.first?.unresolved)
        #expect(unresolved.map(\.spec) == ["*", "py*"])
        #expect(unresolved.allSatisfy { $0.reason == "the dependency names a pattern, not a package" })
    }

    @Test func sharedUnresolvedSpecsAreListedOncePerRuleWithHowManyNeedThem() throws {
        let packages = [Self.pkg("a", "1", depends: ["ghost"]), Self.pkg("a", "2", depends: ["ghost"]), Self.pkg("a", "3", depends: ["ghost"])]
        let evaluation = try Self.evaluate(PolicyRules(allow: ["a"], includeDependencies: true), packages)
        let unresolved = try #require(evaluation.report?.rules.first?.unresolved)
        #expect(unresolved.count == 1)
        #expect(unresolved[0].reason.hasSuffix("(needed by 3 packages; the first is listed)"))
    }

    @Test func severalRulesEachListTheirOwnClosure() throws {
        let packages = [
            Self.pkg("a", "1", depends: ["core"]), Self.pkg("b", "1", depends: ["core", "extra"]),
            Self.pkg("core", "1"), Self.pkg("extra", "1"),
        ]
        let evaluation = try Self.evaluate(PolicyRules(allow: ["a", "b"], includeDependencies: true), packages)
        let rules = try #require(evaluation.report?.rules)
        #expect(rules.map { $0.dependencies.map(\.name) } == [["core"], ["core", "extra"]])
        #expect(evaluation.dependencyCount == 2)
    }

    @Test func reportCSVQuotesAndDefusesFormulas() {
        let report = DependencyReport(rules: [.init(
            spec: "numpy >=1.24,<2", matched: ["linux-64/numpy-1.26-0.conda"],
            dependencies: [.init(package: "noarch/x.conda", name: "x", version: "1", requiredBy: "linux-64/numpy-1.26-0.conda", spec: "=cmd|x", direct: true)],
            unresolved: [.init(requiredBy: "linux-64/numpy-1.26-0.conda", spec: "ghost", reason: "no package named “ghost”, anywhere")])])
        let lines = report.csv().split(separator: "\r\n").map(String.init)
        #expect(lines[0] == "rule,kind,package,name,version,required_by,dependency_spec,detail")
        #expect(lines[1] == "\"numpy >=1.24,<2\",matched,linux-64/numpy-1.26-0.conda,,,,,")
        #expect(lines[2].hasSuffix(",'=cmd|x,"))
        #expect(lines[3].hasSuffix("ghost,\"no package named “ghost”, anywhere\""))
        #expect(DependencyReport.quote("\t=1+1") == "'\t=1+1")
        #expect(DependencyReport(rules: [], truncated: true).csv().contains(",truncated,"))
    }

    @Test func policyInputNamesTheBadLine() {
        let input = PolicyInput(name: "secure", allow: ["numpy >=1.24", "scipy >>1"], coolingOffDays: "abc", excludeBefore: "2024-02-30")
        guard case .failure(let errors) = input.validate() else {
            Issue.record("expected errors")
            return
        }
        #expect(errors["allow"]?.hasPrefix("Line 2 (“scipy >>1”)") == true)
        #expect(errors["cooling_off_days"] != nil)
        #expect(errors["exclude_before"] != nil)
        let good = PolicyInput(name: "secure", allow: ["numpy >=1.24", " "], licenseBlock: ["AGPL*", "AGPL*"], coolingOffDays: "7", excludeBefore: "2024-02-29")
        guard case .success(let valid) = good.validate() else {
            Issue.record("expected a valid policy")
            return
        }
        #expect(valid.rules == PolicyRules(allow: ["numpy >=1.24"], licenseBlock: ["AGPL*"], coolingOffDays: 7, excludeBefore: "2024-02-29"))
    }
}
