import DepotCore
import DepotMirror
import DepotStore
import Foundation

/// Creating a mirror, shared by the form and the API: validate, store, audit, and queue a run when asked.
enum MirrorCreation {
    /// The id of the policy named `name` in the channel's organisation; nil for "" (use the channel's policy).
    static func policyID(named name: String, in channel: ChannelRecord, services: AppServices) async throws -> Int64? {
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { return nil }
        guard let policy = try await services.database.policy(org: channel.orgID, name: name) else {
            throw StoreError.invalid(ValidationErrors(field: "policy", message: "This organisation has no policy named “\(name.prefix(64))”."))
        }
        return policy.id
    }

    static let policyOnlyForConda = StoreError.invalid(ValidationErrors(
        field: "policy", message: "Policies apply to conda mirrors; Std Python and Std R mirrors use their exclude and include filters."))

    static func create(
        _ input: MirrorInput, in channel: ChannelRecord, policyID: Int64? = nil, services: AppServices, actor: AuditActor
    ) async throws -> MirrorRecord {
        let valid: MirrorInput.Valid
        switch input.validate() {
        case .success(let v): valid = v
        case .failure(let errors): throw StoreError.invalid(errors)
        }
        var record = MirrorRecord(
            channelID: channel.id!, name: valid.name, type: valid.type.rawValue, mode: valid.mode.rawValue,
            sourceURL: valid.source.value, subdirs: valid.subdirs, cron: valid.cron)
        record.exclude = valid.exclude
        record.include = valid.include
        record.licenseExclude = valid.licenseExclude.joined(separator: "\n")
        record.nextRunAt = Scheduler.nextRun(cron: valid.cron, after: Date())
        if policyID != nil && valid.type != .conda { throw Self.policyOnlyForConda }
        record.policyID = policyID
        let mirror = try await services.database.createMirror(record, by: actor)
        if input.runNow {
            try await services.mirrors.enqueue(mirrorID: mirror.id!, trigger: "run now by \(actor.name)")
        }
        return mirror
    }

    /// Edits every field but the mode; an empty or absent source URL keeps the stored one (it is never shown back).
    static func update(
        _ mirror: MirrorRecord, name: String, sourceURL: String?, subdirs: [String], cron: String, exclude: String? = nil,
        include: String? = nil, licenseExclude: [String]? = nil, policyID: Int64?? = nil, services: AppServices,
        actor: AuditActor
    ) async throws -> MirrorRecord {
        let keepSource = (sourceURL ?? "").trimmingCharacters(in: .whitespaces).isEmpty
        var input = MirrorInput(
            name: name, type: mirror.type, mode: mirror.mode, sourceURL: keepSource ? mirror.sourceURL : sourceURL!,
            subdirs: subdirs, cron: cron, runNow: false)
        input.exclude = exclude ?? mirror.exclude
        input.include = include ?? mirror.include
        input.licenseExclude = licenseExclude ?? mirror.licenseExclude.split(whereSeparator: \.isNewline).map(String.init)
        switch input.validate() {
        case .failure(let errors): throw StoreError.invalid(errors)
        case .success(let valid):
            if valid.type != .conda, case .some(.some) = policyID { throw Self.policyOnlyForConda }
            let updated = try await services.database.updateMirror(
                id: mirror.id!, name: valid.name, sourceURL: keepSource ? nil : valid.source.value, subdirs: valid.subdirs,
                cron: valid.cron, nextRunAt: Scheduler.nextRun(cron: valid.cron, after: Date()), exclude: valid.exclude,
                include: valid.include, licenseExclude: valid.licenseExclude.joined(separator: "\n"),
                policyID: valid.type == .conda ? policyID : nil, by: actor)
            // Subdirs no longer mirrored leave the channel's index now.
            let dropped = mirror.subdirList.filter { !valid.subdirs.contains($0) }
            for subdir in dropped {
                try await services.mirrors.parts.publisher.publish(channelID: mirror.channelID, subdir: subdir)
            }
            if !dropped.isEmpty { try await services.mirrors.parts.publisher.publishChanneldata(channelID: mirror.channelID) }
            return updated
        }
    }
}
