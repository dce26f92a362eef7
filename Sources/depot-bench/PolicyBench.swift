import DepotCore
import Foundation

extension Bench {
    /// Applies a policy of 50 allow specs with Include dependencies to a 465,000-record repodata (the shape of
    /// conda-forge linux-64: ~25,000 names, every record depending on python, libgcc-ng and one or two other packages).
    static func policy(records: Int) throws {
        try policy(records: records, dense: false)
        try policy(records: records, dense: true)
    }

    /// `dense`: every package needs two packages of any lower number, one with a version floor: a worst case
    /// where the closure reaches most of the channel.
    static func policy(records: Int, dense: Bool) throws {
        let names = 25_000
        var packages: [PolicyPackage] = []
        packages.reserveCapacity(records)
        for i in 0..<records {
            let name: String, version: String, depends: [String]
            switch i % 100 {
            case 0:
                name = "python"
                version = "3.\(8 + i % 5).\(i % 17)"
                depends = ["libgcc-ng >=12", "openssl >=3.0,<4.0a0"]
            case 1:
                name = "libgcc-ng"
                version = "\(10 + i % 4).\(i % 3).0"
                depends = []
            case 2:
                name = "openssl"
                version = "3.\(i % 4).\(i % 9)"
                depends = ["libgcc-ng >=12", "ca-certificates"]
            default:
                // Each package needs python, libgcc-ng, one of the 400 "core" libraries (pinned to a major
                // version) and, for a third of them, another package of lower number: a DAG like a real
                // channel's, where applications sit on libraries that funnel into a shared core.
                let number = i % names
                let a = Int((UInt64(truncatingIfNeeded: i) &* 0x9E37_79B9_7F4A_7C15) >> 40) % max(min(number, 400), 1)
                let b = Int((UInt64(truncatingIfNeeded: i) &* 0xBF58_476D_1CE4_E5B9) >> 40) % max(number, 1)
                name = "pkg\(number)"
                version = "\(i % 7).\(i % 13).\(i % 5)"
                depends = dense
                    ? ["python >=3.11,<3.12.0a0", "libgcc-ng >=12", "__glibc >=2.17", "pkg\(b % max(number, 1)) \(i % 7).*", "pkg\((b &* 31) % max(number, 1)) >=\(i % 5)"]
                    : ["python >=3.11,<3.12.0a0", "libgcc-ng >=12", "__glibc >=2.17", "pkg\(a) \(i % 7).*"]
                        + (i % 3 == 0 ? ["pkg\(b) >=\(i % 7)"] : [])
            }
            let build = "h\(String(i, radix: 16))_\(i % 3)"
            packages.append(PolicyPackage(
                subdir: i % 10 == 0 ? "noarch" : "linux-64", filename: "\(name)-\(version)-\(build).conda",
                record: CondaRecord(
                    name: name, version: version, build: build, buildNumber: i % 3, sha256: nil, md5: nil, size: nil,
                    subdir: nil, depends: depends, license: "BSD-3-Clause", timestamp: 1_700_000_000_000 + Int64(i))))
        }
        let allow = (0..<50).map { "pkg\($0 * 487 + 11) >=\($0 % 4)" }
        let compiled = try CompiledPolicy(PolicyRules(allow: allow, block: ["pkg3 <1"], includeDependencies: true))
        let before = currentRSSMB()
        let clock = ContinuousClock()
        let start = clock.now
        let evaluation = PolicyEvaluator.evaluate(compiled, packages: packages, source: "https://conda.example/conda-forge", now: 1_800_000_000)
        let elapsed = seconds(clock.now - start)
        let after = currentRSSMB()
        let reportStart = clock.now
        let csv = evaluation.report?.csv() ?? ""
        let reportElapsed = seconds(clock.now - reportStart)
        let rows = evaluation.report?.rules.reduce(0) { $0 + $1.matched.count + $1.dependencies.count + $1.unresolved.count } ?? 0
        print(String(
            format: "policy (%@): 50 allow specs + dependencies over %d records: %.3f s, kept %d (%d as dependencies), RSS +%.0f MB (peak %.0f MB); report %d rows, CSV %@ in %.3f s",
            dense ? "dense graph" : "typical graph", records, elapsed, evaluation.keptCount, evaluation.dependencyCount, after - before, peakRSSMB(), rows,
            ByteFormat.string(Int64(csv.utf8.count)), reportElapsed))
    }
}
