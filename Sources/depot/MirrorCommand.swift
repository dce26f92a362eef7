import ArgumentParser
import DepotCore
import DepotMirror
import DepotStore
import Foundation
import Logging

/// `depot mirror list|run|stop`: the same engine the server uses, on the same database.
struct MirrorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror", abstract: "List, run and stop mirrors.", subcommands: [List.self, Run.self, Stop.self])

    /// A mirror named `channel/name`, `name` (when only one mirror has it) or by id.
    static func find(_ text: String, in database: AppDatabase) async throws -> (MirrorRecord, ChannelRecord) {
        var matches: [(MirrorRecord, ChannelRecord)] = []
        for mirror in try await database.allMirrors() {
            guard let channel = try await database.channel(id: mirror.channelID) else { continue }
            if text == "\(mirror.id!)" || text == mirror.name || text == "\(channel.fullName)/\(mirror.name)" {
                matches.append((mirror, channel))
            }
        }
        guard let first = matches.first else { throw ValidationError("No mirror named \(text).") }
        guard matches.count == 1 else {
            throw ValidationError("Several mirrors are named \(text): " + matches.map { "\($0.1.fullName)/\($0.0.name)" }.joined(separator: ", ") + ". Give CHANNEL/NAME.")
        }
        return first
    }

    static func engine(_ dataOptions: DataOptions, database: AppDatabase) throws -> MirrorEngine {
        var logger = Logger(label: "depot")
        logger.logLevel = .warning
        return MirrorEngine(
            database: database, blobs: try FileBlobStore(root: dataOptions.dataURL.appendingPathComponent("blobs")),
            indexRoot: dataOptions.dataURL.appendingPathComponent("indexes"), logger: logger)
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List mirrors with their status.")
        @OptionGroup var dataOptions: DataOptions

        func run() async throws {
            let database = try dataOptions.openDatabase()
            defer { try? database.close() }
            print("ID  CHANNEL/NAME  TYPE  MODE  STATUS  LAST COMPLETED  SOURCE")
            for mirror in try await database.allMirrors() {
                let channel = try await database.channel(id: mirror.channelID)
                print([
                    "\(mirror.id!)", "\(channel?.fullName ?? "?")/\(mirror.name)", mirror.type, mirror.mode,
                    mirror.status.isEmpty ? "new" : mirror.status,
                    mirror.lastCompletedAt.map { ISO8601DateFormatter().string(from: $0) } ?? "-", Redaction.url(mirror.sourceURL),
                ].joined(separator: "  "))
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a run; with --wait, run it here and print its progress until it ends.")
        @Argument(help: "CHANNEL/NAME, NAME or id.") var mirror: String
        @Flag(help: "Run in this process and wait for the end.") var wait = false
        @OptionGroup var dataOptions: DataOptions

        func run() async throws {
            let database = try dataOptions.openDatabase()
            defer { try? database.close() }
            let (mirror, channel) = try await MirrorCommand.find(self.mirror, in: database)
            let engine = try MirrorCommand.engine(dataOptions, database: database)
            let run = try await engine.enqueue(mirrorID: mirror.id!, trigger: "command line")
            print("run #\(run.id!) of \(channel.fullName)/\(mirror.name) is \(run.status)")
            guard wait else { return }
            // Runs here unless a server already claimed it; either way, progress is read from the database.
            await engine.start()
            var last = ""
            while true {
                guard let current = try await database.run(id: run.id!), let state = try await database.mirror(id: mirror.id!) else { break }
                let line = "\(current.status): \(state.step.isEmpty ? "" : state.step + " — ")\(state.statusDescription)"
                if line != last { print(line); last = line }
                if !(RunStatus(rawValue: current.status)?.isActive ?? false) {
                    print("run #\(current.id!) \(current.status): \(current.keptCount) of \(current.sourceCount) kept, \(current.downloadedCount) downloaded, \(current.filteredCount) filtered")
                    if current.status != RunStatus.completed.rawValue { throw ExitCode(1) }
                    break
                }
                await engine.checkStopsNow()
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a mirror's run (the server notices within a second).")
        @Argument(help: "CHANNEL/NAME, NAME or id.") var mirror: String
        @OptionGroup var dataOptions: DataOptions

        func run() async throws {
            let database = try dataOptions.openDatabase()
            defer { try? database.close() }
            let (mirror, channel) = try await MirrorCommand.find(self.mirror, in: database)
            guard let run = try await database.requestStop(mirrorID: mirror.id!, by: .system) else {
                print("\(channel.fullName)/\(mirror.name) is not running")
                return
            }
            print("run #\(run.id!) of \(channel.fullName)/\(mirror.name): \(run.status)")
        }
    }
}
