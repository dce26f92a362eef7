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

    /// The licence pattern that blocks a record, `"no licence given"` when that is blocked, or nil. A pattern
    /// is tried on the whole licence text, on the licence family, and on each identifier of an SPDX
    /// expression (`MIT AND AGPL-3.0-only` is blocked by `AGPL*`; so is `MIT OR AGPL-3.0-only`: a
    /// mirror cannot know which alternative its users take).
    func blockedLicense(license: String?, family: String?) -> String? {
        let given = [license, family].compactMap { $0?.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if given.isEmpty { return rules.blockMissingLicense ? "no licence given" : nil }
        let identifiers = (license ?? "").split(whereSeparator: { " \t(),;/".contains($0) })
            .map(String.init).filter { !["AND", "OR", "WITH"].contains($0.uppercased()) }
        let candidates = given + identifiers
        for (index, pattern) in licensePatterns.enumerated() {
            for value in candidates where NamePatterns.wildcardMatch(pattern: pattern, name: Array(value.lowercased().unicodeScalars)) {
                return "\(rules.licenseBlock[index]) (the package says “\(given[0])”)"
            }
        }
        return nil
    }

    /// Whether a spec's `channel::` part (if any) names the mirror's source: the whole URL, or the channel
    /// name in it — the last path segment (`conda-forge` for `https://conda.anaconda.org/conda-forge/`,
    /// `main` for another Depot's `…/api/repo/main`), the segment before `/label/<label>`, and `defaults`
    /// for Anaconda's `repo.anaconda.com/pkgs/…`.
    static func channelMatches(_ spec: MatchSpec, source: String?) -> Bool {
        guard let wanted = spec.channel?.lowercased() else { return true }
        guard let source = source?.lowercased() else { return false }
        let trimmed = source.hasSuffix("/") ? String(source.dropLast()) : source
        if wanted == trimmed { return true }
        let segments = trimmed.split(separator: "/").map(String.init)
        if segments.last == wanted { return true }
        if segments.count >= 3, segments[segments.count - 2] == "label", segments[segments.count - 3] == wanted { return true }
        if wanted == "defaults", segments.count >= 2, segments[1] == "repo.anaconda.com", segments.dropFirst(2).first == "pkgs" { return true }
        return false
    }
}
