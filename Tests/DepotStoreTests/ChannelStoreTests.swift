import DepotCore
import DepotStore
import Foundation
import GRDB
import Testing

@Suite struct ChannelStoreTests {
    let actor = AuditActor(id: nil, name: "tester")

    @Test func createsChannelsAndSubchannelsWithAudit() async throws {
        let t = try TestDatabase()
        let org = try await t.makeOrg()
        let main = try await t.database.createChannel(
            org: org.id!, parent: nil, input: ChannelInput(name: "main", description: "d", privacy: "private"), by: actor)
        let dev = try await t.database.createChannel(
            org: org.id!, parent: main, input: ChannelInput(name: "dev", description: "", privacy: "public"), by: actor)

        #expect(dev.fullName == "main/dev")
        #expect(dev.parentID == main.id)
        #expect(try await t.database.channel(fullName: "main/dev")?.id == dev.id)
        #expect(try await t.database.subchannels(of: main.id!).map(\.name) == ["dev"])
        #expect(try await t.database.channels(nameContains: "de").map(\.fullName) == ["main/dev"])

        let audit = try await t.database.auditEntries(org: org.id)
        #expect(audit.map(\.action) == ["subchannel.create", "channel.create", "org.create"])
        #expect(audit.first?.actorName == "tester")
        #expect(audit.first?.target == "channel main/dev")
    }

    @Test func refusesDuplicateAndInvalidNamesWithoutWriting() async throws {
        let t = try TestDatabase()
        let org = try await t.makeOrg()
        _ = try await t.database.createChannel(
            org: org.id!, parent: nil, input: ChannelInput(name: "main", description: "", privacy: "public"), by: actor)

        await #expect(throws: StoreError.duplicate(field: "name", message: "A channel named “main” already exists.")) {
            try await t.database.createChannel(
                org: org.id!, parent: nil, input: ChannelInput(name: "main", description: "", privacy: "public"), by: actor)
        }
        do {
            _ = try await t.database.createChannel(
                org: org.id!, parent: nil, input: ChannelInput(name: "Bad Name", description: "", privacy: "secret"), by: actor)
            Issue.record("expected a validation error")
        } catch StoreError.invalid(let errors) {
            #expect(errors["name"] != nil)
            #expect(errors["privacy"] == "Choose Public or Private.")
        }
        #expect(try await t.database.channels().count == 1)
        #expect(try await t.database.auditEntries(org: org.id).filter { $0.action == "channel.create" }.count == 1)
    }

    @Test func subchannelsAreOneLevelAndInTheSameOrganisation() async throws {
        let t = try TestDatabase()
        let a = try await t.makeOrg("a"), b = try await t.makeOrg("b")
        let main = try await t.database.createChannel(
            org: a.id!, parent: nil, input: ChannelInput(name: "main", description: "", privacy: "public"), by: actor)
        let dev = try await t.database.createChannel(
            org: a.id!, parent: main, input: ChannelInput(name: "dev", description: "", privacy: "public"), by: actor)
        await #expect(throws: StoreError.self) {
            try await t.database.createChannel(
                org: a.id!, parent: dev, input: ChannelInput(name: "deeper", description: "", privacy: "public"), by: actor)
        }
        await #expect(throws: StoreError.self) {
            try await t.database.createChannel(
                org: b.id!, parent: main, input: ChannelInput(name: "other", description: "", privacy: "public"), by: actor)
        }
    }

    @Test func freezeUnfreezeAndUpdate() async throws {
        let t = try TestDatabase()
        let org = try await t.makeOrg()
        let main = try await t.database.createChannel(
            org: org.id!, parent: nil, input: ChannelInput(name: "main", description: "", privacy: "public"), by: actor)

        let frozen = try await t.database.setFrozen(channelID: main.id!, frozen: true, by: actor)
        #expect(frozen.frozen)
        #expect(frozen.frozenAt != nil)
        // Freezing twice changes nothing and records nothing more.
        _ = try await t.database.setFrozen(channelID: main.id!, frozen: true, by: actor)
        let thawed = try await t.database.setFrozen(channelID: main.id!, frozen: false, by: actor)
        #expect(!thawed.frozen)
        #expect(thawed.frozenAt == nil)

        let updated = try await t.database.updateChannel(
            id: main.id!, input: ChannelInput(name: "ignored", description: "new", privacy: "private"), by: actor)
        #expect(updated.name == "main")
        #expect(updated.description == "new")
        #expect(updated.privacy == "private")

        let actions = try await t.database.auditEntries(org: org.id).map(\.action)
        #expect(actions == ["channel.update", "channel.unfreeze", "channel.freeze", "channel.create", "org.create"])
    }

    @Test func deletingAChannelDeletesItsSubchannels() async throws {
        let t = try TestDatabase()
        let org = try await t.makeOrg()
        let main = try await t.database.createChannel(
            org: org.id!, parent: nil, input: ChannelInput(name: "main", description: "", privacy: "public"), by: actor)
        _ = try await t.database.createChannel(
            org: org.id!, parent: main, input: ChannelInput(name: "dev", description: "", privacy: "public"), by: actor)
        try await t.database.deleteChannel(id: main.id!, by: actor)
        #expect(try await t.database.channels().isEmpty)
        #expect(try await t.database.auditEntries(org: org.id).first?.details == "with subchannels dev")
        #expect(try await t.database.integrityCheck() == "ok")
    }
}
