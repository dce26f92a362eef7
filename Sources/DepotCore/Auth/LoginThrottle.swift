/// Counts failed logins per account and per client address and says when to refuse further tries.
/// Pure state: the caller passes the time, so tests need no clock.
public struct LoginThrottle: Sendable {
    public struct Policy: Sendable {
        public var maxFailures: Int
        public var window: Double
        public var lockout: Double

        public init(maxFailures: Int = 5, window: Double = 15 * 60, lockout: Double = 15 * 60) {
            self.maxFailures = maxFailures
            self.window = window
            self.lockout = lockout
        }
    }

    private struct Record: Sendable {
        var failures: [Double] = []
        var lockedUntil: Double?
    }

    public let policy: Policy
    private var records: [String: Record] = [:]

    public init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// Seconds until another try is allowed for any of `keys`, or nil when trying is allowed now.
    public func retryAfter(keys: [String], now: Double) -> Double? {
        let waits = keys.compactMap { key -> Double? in
            guard let until = records[key]?.lockedUntil, until > now else { return nil }
            return until - now
        }
        return waits.max()
    }

    public mutating func recordFailure(keys: [String], now: Double) {
        for key in keys {
            var record = records[key] ?? Record()
            record.failures = record.failures.filter { now - $0 < policy.window } + [now]
            if record.failures.count >= policy.maxFailures {
                record.lockedUntil = now + policy.lockout
                record.failures = []
            }
            records[key] = record
        }
        prune(now: now)
    }

    public mutating func recordSuccess(keys: [String]) {
        for key in keys { records[key] = nil }
    }

    /// Keeps memory bounded when many addresses try once and go away.
    private mutating func prune(now: Double) {
        guard records.count > 10_000 else { return }
        records = records.filter { _, record in
            (record.lockedUntil ?? 0) > now || record.failures.contains { now - $0 < policy.window }
        }
    }

    public static func accountKey(_ name: String) -> String { "user:" + name.lowercased() }
    public static func addressKey(_ address: String) -> String { "addr:" + address }
}
