/// Orders conda version strings exactly as conda's `VersionOrder` does (see `CondaVersion` for the rules):
/// epochs (`1!`), local versions after `+`, `dev` < `_` (openssl-style trailing underscore) < `a` < `b` < `c`
/// < `rc` < release < `post`, numbers above strings, missing trailing parts equal to zero, case-insensitive.
/// Used for “latest version” in channeldata and in listings; parse with `CondaVersion` to compare many times.
public enum VersionOrder {
    public static func isLess(_ a: String, _ b: String) -> Bool {
        CondaVersion(a) < CondaVersion(b)
    }

    /// The highest of `versions`, parsing each once; of equal versions (`1.0`, `1.0.0`) the first one seen.
    public static func max(_ versions: some Sequence<String>) -> String? {
        var best: CondaVersion?
        for version in versions {
            let parsed = CondaVersion(version)
            if let current = best, !(current < parsed) { continue }
            best = parsed
        }
        return best?.description
    }
}
