import DepotCore
import DepotStore
import Foundation

struct MirrorRow: Sendable {
    let id: Int64
    let name: String
    let type: String
    let mode: String
    let source: String
    let subdirs: String
    let cron: String
    let status: String
    let statusClass: String
    let isRunning: Bool
    let step: String
    let description: String
    let progress: String
    let lastCompleted: String
    let detailsURL: String
    let runURL: String
    let editURL: String
    let stopURL: String
    let restartURL: String
    let deleteURL: String
    let channel: String
    let channelURL: String
    let nextRun: String
    let isPython: Bool
    let exclude: String
    let include: String
    let licenseExclude: String
    /// Rows on the all-mirrors page name their channel.
    var showChannel = false
    /// Whether the viewer may edit, stop, restart and delete it.
    var canManage = false

    init(_ mirror: MirrorRecord, channel: String) {
        id = mirror.id!
        name = mirror.name
        type = MirrorType(rawValue: mirror.type)?.title ?? mirror.type
        mode = MirrorMode(rawValue: mirror.mode)?.title ?? mirror.mode
        source = Redaction.url(mirror.sourceURL)
        subdirs = mirror.subdirList.joined(separator: ", ")
        cron = mirror.cron
        let status = RunStatus(rawValue: mirror.status)
        self.status = status?.title ?? "Never run"
        statusClass = mirror.status.isEmpty ? "new" : mirror.status
        isRunning = status?.isActive ?? false
        step = mirror.step
        description = mirror.statusDescription
        progress = mirror.progressTotal > 0 ? "\(mirror.progressDone) of \(mirror.progressTotal)" : ""
        lastCompleted = DisplayDate.string(mirror.lastCompletedAt)
        detailsURL = SitePath.channel(channel, "mirrors/\(mirror.id!)")
        runURL = detailsURL + "/run"
        editURL = detailsURL + "/edit"
        stopURL = detailsURL + "/stop"
        restartURL = detailsURL + "/restart"
        deleteURL = detailsURL + "/delete"
        self.channel = channel
        channelURL = SitePath.channel(channel, "mirrors")
        nextRun = DisplayDate.string(mirror.nextRunAt)
        isPython = mirror.type != MirrorType.conda.rawValue
        exclude = mirror.exclude.split(whereSeparator: \.isNewline).joined(separator: ", ")
        include = mirror.include.split(whereSeparator: \.isNewline).joined(separator: ", ")
        licenseExclude = mirror.licenseExclude.split(whereSeparator: \.isNewline).joined(separator: ", ")
    }
}

struct MirrorFormPage: Sendable {
    struct Check: Sendable {
        let value: String
        let checked: Bool
    }
    let site: Site
    let title: String
    let channelName: String
    let action: String
    let cancelURL: String
    let name: String
    let modeActive: Bool
    let modePassive: Bool
    let sourceURL: String
    let subdirs: [Check]
    let otherSubdirs: String
    let frequencies: [SelectOption]
    let cron: String
    let runNow: Bool
    let warnExistingMirror: Bool
    let existingMirrors: String
    let warnNotFrozen: Bool
    let isEdit: Bool
    let modeTitle: String
    let upcoming: [String]
    let warnFrequency: Bool
    let isConda: Bool
    let isPython: Bool
    let isR: Bool
    let hasFilters: Bool
    let exclude: String
    let include: String
    let licences: [Check]
    let typeSwitchURL: String
    let errors: MirrorFieldErrors
    /// Assign Mirror Policy: "use the channel's policy" or one of the organisation's.
    var policyOptions: [SelectOption] = []
    var channelPolicyName: String?
    var channelPolicyURL: String?
    var appliedPolicyURL: String?
}

struct ConfirmMirrorDeletePage: Sendable {
    let site: Site
    let title: String
    let name: String
    let channelName: String
    let action: String
    let cancelURL: String
    let packageCount: Int
    let isRunning: Bool
}

struct MirrorsPage: Sendable {
    let site: Site
    let title = "Mirrors"
    let mirrors: [MirrorRow]
    let orgs: [SelectOption]
    let types: [SelectOption]
    let statuses: [SelectOption]
    let anyActive: Bool
}

struct MirrorFieldErrors: Sendable {
    let name: String?
    let mode: String?
    let type: String?
    let sourceURL: String?
    let subdirs: String?
    let cron: String?
    let exclude: String?
    let include: String?
    let licenseExclude: String?
    let policy: String?
    let form: String?

    init(_ errors: ValidationErrors = ValidationErrors()) {
        name = errors["name"]
        mode = errors["mode"]
        type = errors["type"]
        sourceURL = errors["source_url"]
        subdirs = errors["subdirs"]
        cron = errors["cron"]
        exclude = errors["exclude"]
        include = errors["include"]
        licenseExclude = errors["license_exclude"]
        policy = errors["policy"]
        form = errors["form"]
    }
}

struct RunRow: Sendable {
    let id: Int64
    let status: String
    let statusClass: String
    let trigger: String
    let started: String
    let finished: String
    let source: Int
    let kept: Int
    let filtered: Int
    let downloaded: Int
    let error: String?

    init(_ run: RunRecord) {
        id = run.id!
        status = RunStatus(rawValue: run.status)?.title ?? run.status
        statusClass = run.status
        trigger = run.trigger
        started = DisplayDate.string(run.startedAt ?? run.queuedAt)
        finished = DisplayDate.string(run.finishedAt)
        source = run.sourceCount
        kept = run.keptCount
        filtered = run.filteredCount
        downloaded = run.downloadedCount
        error = run.error
    }
}

/// One line of the latest run's filtered summary, linking to View Details narrowed to that reason.
struct FilteredGroup: Sendable {
    let reason: String
    let count: Int
    let url: String
}

struct MirrorDetailsPage: Sendable {
    let site: Site
    let title: String
    let channelName: String
    let channelURL: String
    let mirror: MirrorRow
    let runs: [RunRow]
    let latestRun: RunRow?
    let filtered: [FilteredGroup]
    let canRun: Bool
    let canManage: Bool
    /// The policy the next run applies (conda), where it comes from, and its read-only page.
    var policyName: String?
    var policySource = ""
    var policyURL: String?
    /// Download Dependency Report of the latest run, when it made one.
    var reportJSONURL: String?
    var reportCSVURL: String?
}

struct PackageRow: Sendable {
    let name: String
    let version: String
    let build: String
    let subdir: String
    let filename: String
    let size: String
    let mode: String
    let cached: Bool
    let url: String
}
