/// A standard 5-field cron expression (minute hour day-of-month month day-of-week), evaluated in UTC.
/// Fields take `*`, numbers, names (`jan`…`dec`, `sun`…`sat`), lists `a,b`, ranges `a-b` and steps `*/n`, `a-b/n`, `a/n`.
/// When both day-of-month and day-of-week are restricted, a day matches if either matches (the standard OR rule).
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    let minutes: UInt64
    let hours: UInt64
    let days: UInt64
    let months: UInt64
    let weekdays: UInt64
    let dayRestricted: Bool
    let weekdayRestricted: Bool

    public var description: String { text }

    public static let presets: [(name: String, label: String, expression: String)] = [
        ("daily", "Daily", "0 0 * * *"), ("weekly", "Weekly", "0 0 * * 0"), ("monthly", "Monthly", "0 0 1 * *"),
        ("yearly", "Yearly", "0 0 1 1 *"),
    ]

    struct Field {
        let name: String
        let range: ClosedRange<Int>
        let names: [String]
        /// Where names start counting (`jan` = 1, `sun` = 0).
        let nameBase: Int
    }

    static let fields = [
        Field(name: "minute", range: 0...59, names: [], nameBase: 0),
        Field(name: "hour", range: 0...23, names: [], nameBase: 0),
        Field(name: "day of month", range: 1...31, names: [], nameBase: 0),
        Field(name: "month", range: 1...12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], nameBase: 1),
        Field(name: "day of week", range: 0...7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"], nameBase: 0),
    ]

    public init(_ text: String) throws(CronError) {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 else {
            throw CronError(field: nil, message: "A schedule has 5 fields (minute hour day-of-month month day-of-week), e.g. 0 0 1 * *; this one has \(parts.count).")
        }
        var sets: [UInt64] = []
        for (part, field) in zip(parts, Self.fields) {
            sets.append(try Self.parse(part, field))
        }
        self.text = parts.joined(separator: " ")
        minutes = sets[0]
        hours = sets[1]
        days = sets[2]
        months = sets[3]
        // 7 is Sunday too.
        weekdays = (sets[4] & 0x7F) | (sets[4] >> 7 & 1)
        dayRestricted = !parts[2].hasPrefix("*")
        weekdayRestricted = !parts[4].hasPrefix("*")
    }

    static func parse(_ text: String, _ field: Field) throws(CronError) -> UInt64 {
        func fail(_ message: String) -> CronError { CronError(field: field.name, message: "The \(field.name) field “\(text)”: \(message)") }
        func value(_ token: Substring) throws(CronError) -> Int {
            if let number = Int(token) {
                guard field.range.contains(number) else {
                    throw fail("\(number) is outside \(field.range.lowerBound)–\(field.range.upperBound).")
                }
                return number
            }
            if let index = field.names.firstIndex(of: token.lowercased()) { return index + field.nameBase }
            throw fail("“\(token)” is not a number\(field.names.isEmpty ? "" : " or a name like \(field.names[0])").")
        }
        var set: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw fail("an empty list item.") }
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2 else { throw fail("more than one “/”.") }
            var step = 1
            if stepParts.count == 2 {
                guard let n = Int(stepParts[1]), n > 0 else { throw fail("the step after “/” must be a positive number.") }
                step = n
            }
            let base = stepParts[0]
            var low: Int, high: Int
            if base == "*" {
                low = field.range.lowerBound
                high = field.range.upperBound
            } else {
                let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2, !bounds.contains(where: \.isEmpty) else { throw fail("a range is written a-b.") }
                low = try value(bounds[0])
                high = bounds.count == 2 ? try value(bounds[1]) : (stepParts.count == 2 ? field.range.upperBound : low)
                guard low <= high else { throw fail("the range \(base) goes backwards.") }
            }
            for v in stride(from: low, through: high, by: step) { set |= 1 << UInt64(v) }
        }
        return set
    }

    func dayMatches(day: Int, weekday: Int) -> Bool {
        let d = days & (1 << UInt64(day)) != 0
        let w = weekdays & (1 << UInt64(weekday)) != 0
        switch (dayRestricted, weekdayRestricted) {
        case (true, true): return d || w
        case (true, false): return d
        case (false, true): return w
        case (false, false): return true
        }
    }

    /// The first time strictly after `seconds` (Unix time, UTC) that the schedule fires; nil if never within 8 years
    /// (e.g. `0 0 30 2 *`).
    public func next(after seconds: Int64) -> Int64? {
        var t = CivilTime(unix: seconds - seconds % 60 + 60)
        let limitYear = t.year + 8
        while t.year <= limitYear {
            if months & (1 << UInt64(t.month)) == 0 {
                t = CivilTime(year: t.month == 12 ? t.year + 1 : t.year, month: t.month == 12 ? 1 : t.month + 1, day: 1, hour: 0, minute: 0)
                continue
            }
            if t.day > CivilTime.daysIn(month: t.month, year: t.year) || !dayMatches(day: t.day, weekday: t.weekday) {
                t = CivilTime(unix: CivilTime(year: t.year, month: t.month, day: t.day, hour: 0, minute: 0).unix + 86_400)
                continue
            }
            if hours & (1 << UInt64(t.hour)) == 0 {
                t = CivilTime(unix: CivilTime(year: t.year, month: t.month, day: t.day, hour: t.hour, minute: 0).unix + 3_600)
                continue
            }
            if minutes & (1 << UInt64(t.minute)) == 0 {
                t = CivilTime(unix: t.unix + 60)
                continue
            }
            return t.unix
        }
        return nil
    }

    /// The next `count` times after `seconds`.
    public func upcoming(after seconds: Int64, count: Int) -> [Int64] {
        var result: [Int64] = []
        var from = seconds
        while result.count < count, let next = next(after: from) {
            result.append(next)
            from = next
        }
        return result
    }

    /// True when two runs can come less than a day apart.
    public var runsMoreOftenThanDaily: Bool {
        if minutes.nonzeroBitCount > 1 || hours.nonzeroBitCount > 1 { return true }
        return false
    }
}

public struct CronError: Error, Equatable, Sendable {
    /// Which field is wrong, or nil when the expression's shape is.
    public let field: String?
    public let message: String
}

/// A UTC calendar time at minute precision, with the civil-from-days arithmetic (no Foundation calendar needed).
struct CivilTime {
    var year: Int, month: Int, day: Int, hour: Int, minute: Int

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        (self.year, self.month, self.day, self.hour, self.minute) = (year, month, day, hour, minute)
    }

    init(unix: Int64) {
        let days = Int(unix >= 0 ? unix / 86_400 : (unix - 86_399) / 86_400)
        let secondsOfDay = Int(unix - Int64(days) * 86_400)
        (year, month, day) = Self.civil(fromDays: days)
        hour = secondsOfDay / 3_600
        minute = secondsOfDay % 3_600 / 60
    }

    var unix: Int64 { Int64(Self.days(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3_600 + minute * 60) }

    /// 0 = Sunday.
    var weekday: Int {
        let d = Self.days(year: year, month: month, day: day)
        return ((d % 7) + 11) % 7  // 1970-01-01 was a Thursday (4)
    }

    /// Midnight UTC of a `YYYY-MM-DD` day as Unix seconds, or nil when the text is not a real date.
    static func unixDay(_ text: String) -> Int64? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        return CivilTime(year: year, month: month, day: day, hour: 0, minute: 0).unix
    }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysIn(month: Int, year: Int) -> Int {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
