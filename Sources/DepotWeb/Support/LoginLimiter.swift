import DepotCore
import Foundation

/// Rate-limits failed sign-ins per account and per client address (in memory, per process).
actor LoginLimiter {
    private var throttle: LoginThrottle

    init(policy: LoginThrottle.Policy = .init()) {
        throttle = LoginThrottle(policy: policy)
    }

    private static func keys(user: String, address: String) -> [String] {
        [LoginThrottle.accountKey(user), LoginThrottle.addressKey(address)]
    }

    private var now: Double { Date().timeIntervalSince1970 }

    func retryAfter(user: String, address: String) -> Int? {
        throttle.retryAfter(keys: Self.keys(user: user, address: address), now: now).map { Int($0.rounded(.up)) }
    }

    func failed(user: String, address: String) {
        throttle.recordFailure(keys: Self.keys(user: user, address: address), now: now)
    }

    func succeeded(user: String, address: String) {
        throttle.recordSuccess(keys: [LoginThrottle.accountKey(user)])
    }
}
