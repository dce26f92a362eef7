import Foundation

/// A policy's rules parsed once, ready to apply to the records of a run.
public struct CompiledPolicy: Sendable {
    public let rules: PolicyRules
    let allow: [MatchSpec]
    let block: [MatchSpec]
    let licensePatterns: [[Unicode.Scalar]]
    let subdirs: Set<String>

    public init(_ rules: PolicyRules) throws(MatchSpecError) {
        self.rules = rules
        allow = try rules.allow.map { spec throws(MatchSpecError) in try MatchSpec(spec) }
        block = try rules.block.map { spec throws(MatchSpecError) in try MatchSpec(spec) }
        licensePatterns = rules.licenseBlock.map { Array($0.lowercased().unicodeScalars) }
        subdirs = Set(rules.subdirs)
    }

    /// The licence pattern that blocks a record, `"no licence given"` when that is blocked, or nil.
    func blockedLicense(license: String?, family: String?) -> String? {
        let given = [license, family].compactMap { $0?.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if given.isEmpty { return rules.blockMissingLicense ? "no licence given" : nil }
        for (index, pattern) in licensePatterns.enumerated() {
            for value in given where NamePatterns.wildcardMatch(pattern: pattern, name: Array(value.lowercased().unicodeScalars)) {
                return "\(rules.licenseBlock[index]) (the package says “\(value)”)"
            }
        }
        return nil
    }

    /// Whether a spec's `channel::` part (if any) names the mirror's source: its last path component
    /// (`conda-forge` for `https://conda.anaconda.org/conda-forge/`) or the whole URL.
    static func channelMatches(_ spec: MatchSpec, source: String?) -> Bool {
        guard let wanted = spec.channel?.lowercased() else { return true }
        guard let source = source?.lowercased() else { return false }
        let trimmed = source.hasSuffix("/") ? String(source.dropLast()) : source
        if wanted == trimmed { return true }
        return trimmed.split(separator: "/").last.map(String.init) == wanted
    }
}
