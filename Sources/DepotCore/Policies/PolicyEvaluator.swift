/// Applies a compiled policy to the records of one run (all mirrored subdirs at once, so a linux-64 package
/// can bring in its noarch dependencies and the other way round).
///
/// Order of checks per package, the first that applies gives the reason: subdir not selected, block rule,
/// licence, upload date, then allow rules. With Include dependencies, every package any kept package
/// depends on is kept too, transitively: every version that satisfies a `depends` entry, not one solved
/// version, since clients solve against the mirror later. Cycles end because each package is expanded once.
public struct PolicyEvaluator {
    let policy: CompiledPolicy
    let packages: [PolicyPackage]
    let source: String?
    let now: Int64

    var candidates: [MatchCandidate?]
    var byName: [String: [Int32]] = [:]
    var blocked: [PolicyEvaluation.Filtered?]

    /// A `depends` entry resolved in one pool of subdirs.
    struct Group {
        let spec: String
        let matches: [Int32]
        /// Why nothing matched, when `matches` is empty.
        let unresolved: String?
    }
    var groups: [Group] = []
    /// Per distinct `depends` text: the parsed spec and its group in each pool (index by `poolNumber`, -1 unresolved yet).
    var entries: [String: (spec: Result<MatchSpec, MatchSpecError>, groups: [Int32])] = [:]
    /// Pool 0 is every subdir (for noarch packages); the others are one subdir plus noarch.
    var pools: [String: Int] = ["*": 0]

    /// `source` is the mirror's upstream URL (for `channel::` parts); `now` is Unix seconds.
    public static func evaluate(_ policy: CompiledPolicy, packages: [PolicyPackage], source: String?, now: Int64) -> PolicyEvaluation {
        var evaluator = PolicyEvaluator(policy: policy, packages: packages, source: source, now: now)
        return evaluator.run()
    }

    init(policy: CompiledPolicy, packages: [PolicyPackage], source: String?, now: Int64) {
        self.policy = policy
        self.packages = packages
        self.source = source
        self.now = now
        candidates = Array(repeating: nil, count: packages.count)
        blocked = Array(repeating: nil, count: packages.count)
        byName.reserveCapacity(packages.count / 8)
        for (index, package) in packages.enumerated() { byName[package.record.name, default: []].append(Int32(index)) }
    }

    mutating func candidate(_ index: Int32) -> MatchCandidate {
        if let made = candidates[Int(index)] { return made }
        let package = packages[Int(index)]
        let made = MatchCandidate(package.record, subdir: package.subdir)
        candidates[Int(index)] = made
        return made
    }

    /// Indices of packages whose name the spec accepts.
    func named(_ spec: MatchSpec) -> [Int32] {
        if let name = spec.exactName { return byName[name] ?? [] }
        return byName.keys.filter { spec.matchesName($0) }.sorted().flatMap { byName[$0]! }
    }

    mutating func run() -> PolicyEvaluation {
        applyHardRules()
        guard !policy.allow.isEmpty else {
            return PolicyEvaluation(decisions: blocked, dependencyCount: 0, report: nil)
        }
        var kept = [Bool](repeating: false, count: packages.count)
        var roots: [[Int32]] = []
        for spec in policy.allow {
            var matched: [Int32] = []
            if CompiledPolicy.channelMatches(spec, source: source) {
                for index in named(spec) where blocked[Int(index)] == nil && spec.matches(candidate(index)) {
                    matched.append(index)
                    kept[Int(index)] = true
                }
            }
            roots.append(matched)
        }
        var dependencyCount = 0
        var report: DependencyReport?
        if policy.rules.includeDependencies {
            let adjacency = expand(from: roots, kept: &kept, added: &dependencyCount)
            report = makeReport(roots: roots, adjacency: adjacency)
        }
        var decisions = blocked
        for index in decisions.indices where decisions[index] == nil && !kept[index] {
            decisions[index] = .init(reason: .notAllowed, detail: "no allow rule matches it" + (policy.rules.includeDependencies ? " and no allowed package depends on it" : ""))
        }
        return PolicyEvaluation(decisions: decisions, dependencyCount: dependencyCount, report: report)
    }

    /// Subdir selection, block rules, licences and upload dates: these filter a package even when an allow
    /// rule or a dependency asks for it.
    mutating func applyHardRules() {
        if !policy.subdirs.isEmpty {
            // noarch is always kept: every platform's packages depend on it.
            let kept = (policy.rules.subdirs + (policy.subdirs.contains("noarch") ? [] : ["noarch"])).joined(separator: ", ")
            for (index, package) in packages.enumerated() where !policy.subdirs.contains(package.subdir) && package.subdir != "noarch" {
                blocked[index] = .init(reason: .subdirNotSelected, detail: "the policy keeps \(kept)")
            }
        }
        for spec in policy.block where CompiledPolicy.channelMatches(spec, source: source) {
            for index in named(spec) where blocked[Int(index)] == nil && spec.matches(candidate(index)) {
                blocked[Int(index)] = .init(reason: .blockedByRule, detail: spec.description)
            }
        }
        let newest = policy.rules.coolingOffDays.map { now - Int64($0) * 86_400 }
        let oldest = policy.rules.excludeBefore.flatMap(CivilTime.unixDay)
        let checksLicense = !policy.licensePatterns.isEmpty || policy.rules.blockMissingLicense
        guard checksLicense || newest != nil || oldest != nil else { return }
        for (index, package) in packages.enumerated() where blocked[index] == nil {
            let record = package.record
            if checksLicense, let license = policy.blockedLicense(license: record.license, family: record.licenseFamily) {
                blocked[index] = .init(reason: .license, detail: license)
                continue
            }
            guard let uploaded = record.uploadedAt else { continue }
            if let newest, uploaded > newest {
                blocked[index] = .init(reason: .tooNew, detail: "uploaded \(Self.day(uploaded)), within the \(policy.rules.coolingOffDays!)-day cooling-off period")
            } else if let oldest, uploaded < oldest {
                blocked[index] = .init(reason: .tooOld, detail: "uploaded \(Self.day(uploaded)), before \(policy.rules.excludeBefore!)")
            }
        }
    }

    static func day(_ unix: Int64) -> String {
        let t = CivilTime(unix: unix)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(t.year)-\(two(t.month))-\(two(t.day))"
    }

    /// Keeps every package the roots need, transitively; answers each expanded package's dependency groups.
    /// A group (one `depends` entry in one pool of subdirs) is walked once: after that all its matches are
    /// queued, so the thousand packages that need `python >=3.11,<3.12.0a0` cost one walk of the pythons.
    mutating func expand(from roots: [[Int32]], kept: inout [Bool], added: inout Int) -> [[Int32]] {
        var adjacency = [[Int32]](repeating: [], count: packages.count)
        var expanded = [Bool](repeating: false, count: packages.count)
        var walked: [Bool] = []
        var queue: [Int32] = []
        for index in roots.joined() where !expanded[Int(index)] {
            expanded[Int(index)] = true
            queue.append(index)
        }
        var next = 0
        while next < queue.count {
            let index = queue[next]
            next += 1
            let package = packages[Int(index)]
            for entry in package.record.depends {
                guard let group = resolve(entry, from: package.subdir) else { continue }
                adjacency[Int(index)].append(group)
                if walked.count < groups.count { walked.append(contentsOf: repeatElement(false, count: groups.count - walked.count)) }
                guard !walked[Int(group)] else { continue }
                walked[Int(group)] = true
                for match in groups[Int(group)].matches where !expanded[Int(match)] {
                    expanded[Int(match)] = true
                    if !kept[Int(match)] {
                        kept[Int(match)] = true
                        added += 1
                    }
                    queue.append(match)
                }
            }
        }
        return adjacency
    }

    /// The group for a `depends` entry seen from a package in `subdir`: candidates in the same subdir or
    /// noarch (a noarch package's dependencies may be in any mirrored subdir). Nil for virtual packages (`__glibc`).
    mutating func resolve(_ entry: String, from subdir: String) -> Int32? {
        if entry.hasPrefix("__") { return nil }
        let pool = subdir == "noarch" ? "*" : subdir
        let poolNumber: Int
        if let known = pools[pool] {
            poolNumber = known
        } else {
            poolNumber = pools.count
            pools[pool] = poolNumber
        }
        // An over-long entry is not parsed at all (it is cached as a failure like any unreadable spec).
        let tooLong = entry.utf8.count > PolicyInput.maxSpecLength
        var cached = entries[entry] ?? (
            tooLong
                ? .failure(MatchSpecError(spec: entry, position: PolicyInput.maxSpecLength, message: "longer than \(PolicyInput.maxSpecLength) characters"))
                : Result { () throws(MatchSpecError) in try MatchSpec(entry) },
            [])
        if poolNumber < cached.groups.count, cached.groups[poolNumber] >= 0 { return cached.groups[poolNumber] }
        let group: Group
        switch cached.spec {
        case .failure where tooLong:
            group = Group(
                spec: String(entry.prefix(80)) + "…", matches: [],
                unresolved: "the spec is longer than \(PolicyInput.maxSpecLength) characters")
        case .failure(let error):
            group = Group(spec: entry, matches: [], unresolved: "the spec cannot be read: \(error.message)")
        case .success(let spec) where spec.exactName == nil:
            // A dependency names one package; a pattern here would pull in whole swathes of the channel.
            group = Group(spec: entry, matches: [], unresolved: "the dependency names a pattern, not a package")
        case .success(let spec):
            if spec.exactName?.hasPrefix("__") == true { return nil }
            var matches: [Int32] = []
            var named = 0
            var firstBlock: PolicyEvaluation.Filtered?
            for index in self.named(spec) {
                let package = packages[Int(index)]
                guard pool == "*" || package.subdir == pool || package.subdir == "noarch" else { continue }
                named += 1
                guard spec.matches(candidate(index)) else { continue }
                if let block = blocked[Int(index)] {
                    if firstBlock == nil { firstBlock = block }
                    continue
                }
                matches.append(index)
            }
            var reason: String?
            if matches.isEmpty {
                let name = spec.exactName ?? spec.description
                if named == 0 {
                    reason = "no package named “\(name)” upstream in \(pool == "*" ? "the mirrored subdirs" : "\(pool) or noarch")"
                } else if let firstBlock {
                    reason = "every package that satisfies it is filtered (\(firstBlock.reason.title): \(firstBlock.detail))"
                } else {
                    reason = "no version of “\(name)” upstream satisfies it"
                }
            }
            group = Group(spec: entry, matches: matches, unresolved: reason)
        }
        let id = Int32(groups.count)
        groups.append(group)
        if cached.groups.count <= poolNumber { cached.groups.append(contentsOf: repeatElement(-1, count: poolNumber + 1 - cached.groups.count)) }
        cached.groups[poolNumber] = id
        entries[entry] = cached
        return id
    }

    /// Most dependency rows a report holds (over all rules); beyond it the report says how many it left out.
    static let maxReportRows = 250_000

    /// Walks the dependency graph from each rule's own matches; each package appears once per rule, with the
    /// first package found to require it. An unresolved spec appears once per rule, with the first package
    /// that needs it and how many do.
    func makeReport(roots: [[Int32]], adjacency: [[Int32]]) -> DependencyReport {
        var paths = [String?](repeating: nil, count: packages.count)
        func path(_ index: Int32) -> String {
            if let known = paths[Int(index)] { return known }
            let made = packages[Int(index)].path
            paths[Int(index)] = made
            return made
        }
        var seen = [Int32](repeating: -1, count: packages.count)
        var rootOf = [Int32](repeating: -1, count: packages.count)
        var walked = [Int32](repeating: -1, count: groups.count)
        var rules: [DependencyReport.Rule] = []
        var rows = 0
        var truncated = false
        for (number, ruleRoots) in roots.enumerated() {
            let stamp = Int32(number)
            var rule = DependencyReport.Rule(spec: policy.allow[number].description, matched: [], dependencies: [], unresolved: [])
            var unresolvedAt: [Int32: (row: Int, count: Int)] = [:]
            var queue: [Int32] = []
            for index in ruleRoots {
                seen[Int(index)] = stamp
                rootOf[Int(index)] = stamp
                rule.matched.append(path(index))
                queue.append(index)
            }
            var next = 0
            walk: while next < queue.count {
                let index = queue[next]
                next += 1
                for groupID in adjacency[Int(index)] {
                    let group = groups[Int(groupID)]
                    if let unresolved = group.unresolved {
                        if let at = unresolvedAt[groupID] {
                            unresolvedAt[groupID] = (at.row, at.count + 1)
                        } else {
                            unresolvedAt[groupID] = (rule.unresolved.count, 1)
                            rule.unresolved.append(.init(requiredBy: path(index), spec: group.spec, reason: unresolved))
                        }
                        continue
                    }
                    guard walked[Int(groupID)] != stamp else { continue }
                    walked[Int(groupID)] = stamp
                    for match in group.matches where seen[Int(match)] != stamp {
                        guard rows < Self.maxReportRows else {
                            truncated = true
                            break walk
                        }
                        seen[Int(match)] = stamp
                        queue.append(match)
                        rows += 1
                        let package = packages[Int(match)]
                        rule.dependencies.append(.init(
                            package: path(match), name: package.record.name, version: package.record.version,
                            requiredBy: path(index), spec: group.spec, direct: rootOf[Int(index)] == stamp))
                    }
                }
            }
            for (_, at) in unresolvedAt where at.count > 1 {
                rule.unresolved[at.row].reason += " (needed by \(at.count) packages; the first is listed)"
            }
            rules.append(rule)
        }
        return DependencyReport(rules: rules, truncated: truncated)
    }
}
