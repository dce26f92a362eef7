import DepotCore
import Foundation
import GRDB

/// What a user submits to create or edit a channel.
public struct ChannelInput: Sendable, Equatable {
    public var name: String
    public var description: String
    public var privacy: String

    public init(name: String, description: String, privacy: String) {
        self.name = name
        self.description = description
        self.privacy = privacy
    }

    public static let maxDescription = 2000

    public func validate(checkName: Bool) -> ValidationErrors {
        var errors = ValidationErrors()
        if checkName, let message = NameRules.checkSlug(name, what: "channel") { errors.add("name", message) }
        if description.count > Self.maxDescription {
            errors.add("description", "A description has at most \(Self.maxDescription) characters.")
        }
        if ChannelPrivacy(rawValue: privacy) == nil { errors.add("privacy", "Choose Public or Private.") }
        return errors
    }
}

extension AppDatabase {
    public func channel(fullName: String) async throws -> ChannelRecord? {
        try await reader.read { db in
            try ChannelRecord.filter(ChannelRecord.Columns.fullName == fullName).fetchOne(db)
        }
    }

    public func channel(id: Int64) async throws -> ChannelRecord? {
        try await reader.read { db in try ChannelRecord.fetchOne(db, key: id) }
    }

    /// Every channel, top-level channels each followed by their subchannels; optionally filtered by name.
    public func channels(nameContains filter: String? = nil) async throws -> [ChannelRecord] {
        try await reader.read { db in
            var request = ChannelRecord.order(ChannelRecord.Columns.fullName)
            if let filter, !filter.isEmpty {
                let escaped = filter.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
                request = request.filter(sql: "fullName LIKE ? ESCAPE '\\'", arguments: ["%\(escaped)%"])
            }
            return try request.fetchAll(db)
        }
    }

    public func subchannels(of parent: Int64) async throws -> [ChannelRecord] {
        try await reader.read { db in
            try ChannelRecord.filter(ChannelRecord.Columns.parentID == parent)
                .order(ChannelRecord.Columns.name).fetchAll(db)
        }
    }

    /// Creates a channel in `org`, or a subchannel of `parent` (which must be a top-level channel of the same organisation).
    public func createChannel(
        org: Int64, parent: ChannelRecord?, input: ChannelInput, by actor: AuditActor
    ) async throws -> ChannelRecord {
        let errors = input.validate(checkName: true)
        if !errors.isEmpty { throw StoreError.invalid(errors) }
        if let parent, parent.isSubchannel || parent.orgID != org {
            throw StoreError.conflict("Subchannels can only be made one level below a channel of the same organisation.")
        }
        let fullName = parent.map { "\($0.fullName)/\(input.name)" } ?? input.name
        return try await writer.write { db in
            guard try OrgRecord.fetchOne(db, key: org) != nil else {
                throw StoreError.invalid(ValidationErrors(field: "org", message: "Choose an organisation."))
            }
            if try ChannelRecord.filter(ChannelRecord.Columns.fullName == fullName).fetchCount(db) > 0 {
                throw StoreError.duplicate(field: "name", message: "A channel named “\(fullName)” already exists.")
            }
            let now = Date()
            var channel = ChannelRecord(
                id: nil, orgID: org, parentID: parent?.id, name: input.name, fullName: fullName,
                description: input.description, privacy: input.privacy, frozen: false, frozenAt: nil,
                createdAt: now, updatedAt: now)
            try channel.insert(db)
            try Self.audit(
                db, actor, org: org, action: parent == nil ? "channel.create" : "subchannel.create",
                target: "channel \(fullName)", details: "privacy \(input.privacy)")
            return channel
        }
    }

    /// Changes a channel's description and privacy (the name is its URL and stays).
    public func updateChannel(id: Int64, input: ChannelInput, by actor: AuditActor) async throws -> ChannelRecord {
        let errors = input.validate(checkName: false)
        if !errors.isEmpty { throw StoreError.invalid(errors) }
        return try await writer.write { db in
            guard var channel = try ChannelRecord.fetchOne(db, key: id) else { throw StoreError.notFound("channel") }
            var changes: [String] = []
            if channel.description != input.description { changes.append("description") }
            if channel.privacy != input.privacy { changes.append("privacy \(channel.privacy) → \(input.privacy)") }
            channel.description = input.description
            channel.privacy = input.privacy
            channel.updatedAt = Date()
            try channel.update(db)
            try Self.audit(
                db, actor, org: channel.orgID, action: "channel.update", target: "channel \(channel.fullName)",
                details: changes.isEmpty ? "no change" : changes.joined(separator: ", "))
            return channel
        }
    }

    /// Freezes or unfreezes a channel; answers the channel as it is afterwards.
    public func setFrozen(channelID: Int64, frozen: Bool, by actor: AuditActor) async throws -> ChannelRecord {
        try await writer.write { db in
            guard var channel = try ChannelRecord.fetchOne(db, key: channelID) else { throw StoreError.notFound("channel") }
            if channel.frozen == frozen { return channel }
            channel.frozen = frozen
            channel.frozenAt = frozen ? Date() : nil
            channel.updatedAt = Date()
            try channel.update(db)
            if !frozen {
                // Unfreezing publishes what runs landed underneath.
                try db.execute(
                    sql: "UPDATE subdir_indexes SET servedGeneration = liveGeneration, servedETag = liveETag, servedAt = ? WHERE channelID = ?",
                    arguments: [Date(), channelID])
            }
            try Self.audit(
                db, actor, org: channel.orgID, action: frozen ? "channel.freeze" : "channel.unfreeze",
                target: "channel \(channel.fullName)")
            return channel
        }
    }

    /// Deletes a channel and its subchannels.
    public func deleteChannel(id: Int64, by actor: AuditActor) async throws {
        try await writer.write { db in
            guard let channel = try ChannelRecord.fetchOne(db, key: id) else { throw StoreError.notFound("channel") }
            let subchannels = try ChannelRecord.filter(ChannelRecord.Columns.parentID == id).fetchAll(db)
            try channel.delete(db)
            let details = subchannels.isEmpty ? "" : "with subchannels " + subchannels.map(\.name).joined(separator: ", ")
            try Self.audit(
                db, actor, org: channel.orgID, action: "channel.delete", target: "channel \(channel.fullName)",
                details: details)
        }
    }
}
