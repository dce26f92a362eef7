import DepotCore
import DepotStore
import Foundation
import Logging

/// Starts scheduled runs. Each mirror stores its next run time; a tick queues the mirrors that are due and moves
/// their next time on. A run missed while Depot was down is due at the first tick after start, once. A mirror
/// whose previous run is still going is skipped (and logged), never run twice at once.
public struct Scheduler: Sendable {
    let engine: MirrorEngine
    let logger: Logger

    public init(engine: MirrorEngine, logger: Logger) {
        self.engine = engine
        self.logger = logger
    }

    /// The first run time after `date` for `cron`, or nil when the expression never fires.
    public static func nextRun(cron: String, after date: Date) -> Date? {
        guard let expression = try? CronExpression(cron), let next = expression.next(after: Int64(date.timeIntervalSince1970.rounded(.down))) else {
            return nil
        }
        return Date(timeIntervalSince1970: TimeInterval(next))
    }

    /// Queues due mirrors; answers the ids queued (tests drive it with their own clock).
    @discardableResult
    public func tick(now: Date) async -> [Int64] {
        let database = engine.parts.database
        guard let due = try? await database.dueMirrors(now: now) else { return [] }
        var queued: [Int64] = []
        for mirror in due {
            let next = Self.nextRun(cron: mirror.cron, after: now)
            do {
                if try await database.activeRun(mirrorID: mirror.id!) != nil {
                    logger.notice("scheduled run skipped: the previous run is still going", metadata: ["mirror": "\(mirror.name)"])
                } else {
                    try await engine.enqueue(mirrorID: mirror.id!, trigger: "schedule \(mirror.cron)")
                    queued.append(mirror.id!)
                }
                try await database.setNextRun(mirrorID: mirror.id!, at: next)
            } catch {
                logger.error("scheduler could not queue a run", metadata: ["mirror": "\(mirror.name)", "error": "\(error)"])
            }
        }
        return queued
    }
}
