import DepotCore
import DepotStore
import Foundation

/// View Details of one mirror run: its counts, how the mirror's packages are stored, the filtered packages
/// counted by reason (and by rule or licence), and a searchable, paged list of them.
struct RunDetailsPage: Sendable {
    /// The run's facts.
    struct Run: Sendable {
        let id: Int64
        let status: String
        let statusClass: String
        /// Queued, running or stopping: the counts arrive when it ends.
        let inProgress: Bool
        let trigger: String
        let queued: String
        /// Nil until the run starts, and until it ends.
        let started: String?
        let finished: String?
        let error: String?
        let source: String
        let kept: String
        let filtered: String
        let downloaded: String
        let downloadedSize: String
    }

    /// How the mirror's packages reach the blob store now.
    struct Modes: Sendable {
        let active: String
        let passiveStored: String
        let passivePending: String
        let isEmpty: Bool
    }

    /// One line under a reason: a rule or a licence and how many packages it filtered.
    struct DetailGroup: Sendable {
        let label: String
        let value: String
        let count: String
        let url: String
        let selected: Bool
    }

    /// One reason and how many packages it filtered.
    struct ReasonGroup: Sendable {
        let reason: String
        let title: String
        let count: String
        let url: String
        let selected: Bool
        let details: [DetailGroup]
    }

    struct Item: Sendable {
        let subdir: String
        let filename: String
        let reason: String
        let reasonTitle: String
        let detail: String
    }

    let site: Site
    let title: String
    let channelName: String
    let channelURL: String
    let mirrorName: String
    let mirrorURL: String
    let run: Run
    let modes: Modes
    let reasons: [ReasonGroup]
    let allURL: String
    let allSelected: Bool
    let totalFiltered: String
    /// What the list is narrowed to, in words ("blocked by a policy rule: numpy <1.20"), or nil for everything.
    let filterDescription: String?
    /// The search form keeps the reason and detail chosen in the table.
    let formAction: String
    let reason: String?
    let detail: String?
    let search: String
    let items: [Item]
    /// "showing 51–100 of 1,234".
    let showing: String
    let previousURL: String?
    let nextURL: String?
    /// The policy the run applied, how many packages it kept only as dependencies, and the report's links.
    var policyName: String?
    var dependencyCount = 0
    var reportCSVURL: String?
    var reportJSONURL: String?
}

extension RunDetailsPage {
    /// What the list is narrowed to (all nil or empty: every filtered package).
    struct Filter: Sendable {
        let reason: String?
        let detail: String?
        let search: String
    }

    /// One page of the list and how many match in all.
    struct List: Sendable {
        let items: [FilteredRecord]
        let total: Int
        let page: Int
        let pageSize: Int
    }

    init(
        site: Site, channel: String, mirror: MirrorRecord, run record: RunRecord,
        modes counts: (active: Int, passiveStored: Int, passivePending: Int),
        summary: [(reason: String, detail: String?, count: Int)], filter: Filter, list: List
    ) {
        let runID = record.id!
        let base = Self.path(channel: channel, mirrorID: mirror.id!, runID: runID)
        let search = filter.search.isEmpty ? nil : filter.search
        // Links keep the search; choosing a reason or a detail starts again at the first page.
        func link(reason: String?, detail: String?, page: Int? = nil) -> String {
            Self.url(base, [("reason", reason), ("detail", detail), ("q", search), ("page", page.map(String.init))])
        }

        // Reasons, largest first; blocking rules and licences list their lines under the reason.
        var order: [String] = []
        var totals: [String: Int] = [:]
        var details: [String: [(detail: String, count: Int)]] = [:]
        for group in summary {
            if totals[group.reason] == nil { order.append(group.reason) }
            totals[group.reason, default: 0] += group.count
            if let value = group.detail { details[group.reason, default: []].append((value, group.count)) }
        }
        order.sort { (totals[$0]!, Self.title(ofReason: $1)) > (totals[$1]!, Self.title(ofReason: $0)) }
        reasons = order.map { name in
            ReasonGroup(
                reason: name, title: Self.title(ofReason: name), count: DisplayCount.string(totals[name]!),
                url: link(reason: name, detail: nil), selected: filter.reason == name && filter.detail == nil,
                details: (details[name] ?? []).map {
                    DetailGroup(
                        label: Self.detailLabel(reason: name, detail: $0.detail), value: $0.detail, count: DisplayCount.string($0.count),
                        url: link(reason: name, detail: $0.detail.isEmpty ? nil : $0.detail),
                        selected: filter.reason == name && filter.detail == $0.detail)
                })
        }

        var narrowed: [String] = []
        if let reason = filter.reason {
            narrowed.append(Self.title(ofReason: reason) + (filter.detail.map { ": " + Self.detailLabel(reason: reason, detail: $0) } ?? ""))
        }
        if let search { narrowed.append("filename contains “\(search)”") }

        let status = RunStatus(rawValue: record.status)
        self.site = site
        title = "Run #\(runID) of \(mirror.name)"
        channelName = channel
        channelURL = SitePath.channel(channel, "mirrors")
        mirrorName = mirror.name
        mirrorURL = SitePath.channel(channel, "mirrors/\(mirror.id!)")
        run = Run(
            id: runID, status: status?.title ?? record.status, statusClass: record.status, inProgress: status?.isActive ?? false,
            trigger: record.trigger, queued: DisplayDate.string(record.queuedAt), started: record.startedAt.map { DisplayDate.string($0) },
            finished: record.finishedAt.map { DisplayDate.string($0) }, error: record.error, source: DisplayCount.string(record.sourceCount),
            kept: DisplayCount.string(record.keptCount), filtered: DisplayCount.string(record.filteredCount),
            downloaded: DisplayCount.string(record.downloadedCount), downloadedSize: ByteFormat.string(record.downloadedBytes))
        modes = Modes(
            active: DisplayCount.string(counts.active), passiveStored: DisplayCount.string(counts.passiveStored),
            passivePending: DisplayCount.string(counts.passivePending),
            isEmpty: counts.active + counts.passiveStored + counts.passivePending == 0)
        allURL = link(reason: nil, detail: nil)
        allSelected = filter.reason == nil
        totalFiltered = DisplayCount.string(totals.values.reduce(0, +))
        filterDescription = narrowed.isEmpty ? nil : narrowed.joined(separator: "; ")
        formAction = base
        reason = filter.reason
        detail = filter.detail
        self.search = filter.search
        items = list.items.map {
            Item(subdir: $0.subdir, filename: $0.filename, reason: $0.reason, reasonTitle: Self.title(ofReason: $0.reason), detail: $0.detail)
        }
        if list.total == 0 {
            showing = narrowed.isEmpty ? "This run filtered no packages." : "No filtered package matches."
        } else {
            let first = (list.page - 1) * list.pageSize + 1
            showing = "showing \(DisplayCount.string(first))–\(DisplayCount.string(first + list.items.count - 1)) of \(DisplayCount.string(list.total))"
        }
        let lastPage = max(1, (list.total + list.pageSize - 1) / list.pageSize)
        previousURL = list.page > 1 ? link(reason: filter.reason, detail: filter.detail, page: list.page - 1) : nil
        nextURL = list.page < lastPage ? link(reason: filter.reason, detail: filter.detail, page: list.page + 1) : nil
    }
}

extension RunDetailsPage {
    /// The path of a run's View Details page.
    static func path(channel: String, mirrorID: Int64, runID: Int64) -> String {
        SitePath.channel(channel, "mirrors/\(mirrorID)/runs/\(runID)")
    }

    /// `base` with the given query parameters (nil and empty values left out), percent-encoded.
    static func url(_ base: String, _ parameters: [(String, String?)]) -> String {
        let query = parameters.compactMap { name, value -> String? in
            guard let value, !value.isEmpty else { return nil }
            return name + "=" + (value.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? "")
        }
        return query.isEmpty ? base : base + "?" + query.joined(separator: "&")
    }

    static func title(ofReason reason: String) -> String {
        FilterReason(rawValue: reason)?.title ?? reason.replacingOccurrences(of: "_", with: " ")
    }

    /// How a detail line under a grouped reason reads: the rule for a blocking rule, the licence otherwise.
    static func detailLabel(reason: String, detail: String) -> String {
        if detail.isEmpty { return "(none given)" }
        switch FilterReason(rawValue: reason) {
        case .blockedByRule: return "rule \(detail)"
        case .license: return "licence \(detail)"
        default: return detail
        }
    }
}

/// Whole numbers for people, with thousands separated by commas whatever the server's locale: `1,234`.
enum DisplayCount {
    static func string(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }
}
