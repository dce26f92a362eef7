import DepotCore
import Foundation
import Testing

@Suite struct CronExpressionTests {
    static func t(_ iso: String) -> Int64 {
        Int64(ISO8601DateFormatter().date(from: iso)!.timeIntervalSince1970)
    }

    @Test(arguments: [
        ("0 0 1 * *", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"),
        ("*/15 * * * *", "2024-01-01T00:00:00Z", "2024-01-01T00:15:00Z"),
        ("*/15 * * * *", "2024-01-01T00:14:59Z", "2024-01-01T00:15:00Z"),
        ("0 12 * * MON-FRI", "2024-01-06T00:00:00Z", "2024-01-08T12:00:00Z"),
        ("0 0 29 2 *", "2024-03-01T00:00:00Z", "2028-02-29T00:00:00Z"),
        ("0 0 29 2 *", "2024-01-01T00:00:00Z", "2024-02-29T00:00:00Z"),
        ("0 0 31 * *", "2024-04-01T00:00:00Z", "2024-05-31T00:00:00Z"),
        ("0 0 31 * *", "2024-12-31T00:00:00Z", "2025-01-31T00:00:00Z"),
        ("0 0 13 * FRI", "2024-01-01T00:00:00Z", "2024-01-05T00:00:00Z"),
        ("0 0 13 * FRI", "2024-01-12T00:00:00Z", "2024-01-13T00:00:00Z"),
        ("0 0 * * 7", "2024-01-01T00:00:00Z", "2024-01-07T00:00:00Z"),
        ("0 0 * * 0", "2024-01-01T00:00:00Z", "2024-01-07T00:00:00Z"),
        ("0 0 1 1 *", "2024-06-01T00:00:00Z", "2025-01-01T00:00:00Z"),
        ("5 4 * * sun", "2024-01-01T00:00:00Z", "2024-01-07T04:05:00Z"),
        ("0 0 1 jan,jul *", "2024-02-01T00:00:00Z", "2024-07-01T00:00:00Z"),
        ("30 2 * * 1-5", "2024-01-05T02:30:00Z", "2024-01-08T02:30:00Z"),
        ("0 9-17/4 * * *", "2024-01-01T10:00:00Z", "2024-01-01T13:00:00Z"),
        ("59 23 31 12 *", "2023-12-31T23:59:00Z", "2024-12-31T23:59:00Z"),
        ("0 0 28-31 2 *", "2023-02-28T00:00:00Z", "2024-02-28T00:00:00Z"),
        ("0 0 1 3 *", "2100-01-01T00:00:00Z", "2100-03-01T00:00:00Z"),
    ])
    func nextRun(expression: String, after: String, expected: String) throws {
        let cron = try CronExpression(expression)
        #expect(cron.next(after: Self.t(after)) == Self.t(expected), "\(expression) after \(after)")
    }

    @Test func impossibleDatesNeverRun() throws {
        #expect(try CronExpression("0 0 30 2 *").next(after: Self.t("2024-01-01T00:00:00Z")) == nil)
    }

    @Test func upcomingListsTheNextThree() throws {
        let times = try CronExpression("0 0 * * 0").upcoming(after: Self.t("2024-01-01T00:00:00Z"), count: 3)
        #expect(times == [Self.t("2024-01-07T00:00:00Z"), Self.t("2024-01-14T00:00:00Z"), Self.t("2024-01-21T00:00:00Z")])
    }

    @Test func frequencyWarning() throws {
        #expect(try CronExpression("*/5 * * * *").runsMoreOftenThanDaily)
        #expect(try CronExpression("0 */6 * * *").runsMoreOftenThanDaily)
        #expect(try !CronExpression("0 0 * * *").runsMoreOftenThanDaily)
        #expect(try !CronExpression("0 0 1 * *").runsMoreOftenThanDaily)
    }

    @Test(arguments: [
        ("0 0 1 *", nil as String?),
        ("60 0 * * *", "minute"),
        ("0 24 * * *", "hour"),
        ("0 0 0 * *", "day of month"),
        ("0 0 1 13 *", "month"),
        ("0 0 * * 8", "day of week"),
        ("0 0 * * fun", "day of week"),
        ("0 0 5-1 * *", "day of month"),
        ("*/0 * * * *", "minute"),
        ("0 0 1,,2 * *", "day of month"),
        ("0 0 L * *", "day of month"),
    ])
    func invalidExpressionsNameTheField(expression: String, field: String?) {
        do {
            _ = try CronExpression(expression)
            Issue.record("\(expression) should be refused")
        } catch {
            #expect(error.field == field, "\(expression): \(error.message)")
            #expect(!error.message.isEmpty)
        }
    }
}
