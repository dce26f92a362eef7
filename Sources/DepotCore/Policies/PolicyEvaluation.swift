/// What a policy decided for each package of a run: kept, or filtered with a reason and detail.
public struct PolicyEvaluation: Sendable {
    public struct Filtered: Sendable, Equatable {
        public let reason: FilterReason
        public let detail: String
    }

    /// Index-aligned with the packages given; nil means kept.
    public var decisions: [Filtered?]
    /// How many kept packages came in only as dependencies.
    public var dependencyCount: Int
    /// Present when the policy allows by MatchSpec and includes dependencies.
    public var report: DependencyReport?

    public var keptCount: Int { decisions.reduce(0) { $0 + ($1 == nil ? 1 : 0) } }
}
