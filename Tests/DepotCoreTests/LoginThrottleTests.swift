import DepotCore
import Testing

@Suite struct LoginThrottleTests {
    let keys = [LoginThrottle.accountKey("Alice"), LoginThrottle.addressKey("10.0.0.1")]

    @Test func locksAfterTooManyFailuresAndUnlocksLater() {
        var throttle = LoginThrottle(policy: .init(maxFailures: 3, window: 60, lockout: 300))
        throttle.recordFailure(keys: keys, now: 0)
        throttle.recordFailure(keys: keys, now: 1)
        #expect(throttle.retryAfter(keys: keys, now: 2) == nil)
        throttle.recordFailure(keys: keys, now: 2)
        #expect(throttle.retryAfter(keys: keys, now: 3) == 299)
        #expect(throttle.retryAfter(keys: keys, now: 302) == nil)
    }

    @Test func failuresOutsideTheWindowDoNotCount() {
        var throttle = LoginThrottle(policy: .init(maxFailures: 3, window: 60, lockout: 300))
        throttle.recordFailure(keys: keys, now: 0)
        throttle.recordFailure(keys: keys, now: 1)
        throttle.recordFailure(keys: keys, now: 100)
        #expect(throttle.retryAfter(keys: keys, now: 101) == nil)
    }

    @Test func accountAndAddressAreLimitedSeparately() {
        var throttle = LoginThrottle(policy: .init(maxFailures: 2, window: 60, lockout: 60))
        // One address tries two different accounts: the address is locked, for any account.
        throttle.recordFailure(keys: [LoginThrottle.accountKey("a"), LoginThrottle.addressKey("1.1.1.1")], now: 0)
        throttle.recordFailure(keys: [LoginThrottle.accountKey("b"), LoginThrottle.addressKey("1.1.1.1")], now: 0)
        #expect(throttle.retryAfter(keys: [LoginThrottle.accountKey("c"), LoginThrottle.addressKey("1.1.1.1")], now: 1) != nil)
        // The accounts themselves are not locked from another address.
        #expect(throttle.retryAfter(keys: [LoginThrottle.accountKey("a"), LoginThrottle.addressKey("2.2.2.2")], now: 1) == nil)
        // Account names compare without case.
        #expect(LoginThrottle.accountKey("Alice") == LoginThrottle.accountKey("alice"))
    }

    @Test func successClearsTheAccount() {
        var throttle = LoginThrottle(policy: .init(maxFailures: 2, window: 60, lockout: 60))
        let account = [LoginThrottle.accountKey("a")]
        throttle.recordFailure(keys: account, now: 0)
        throttle.recordSuccess(keys: account)
        throttle.recordFailure(keys: account, now: 1)
        #expect(throttle.retryAfter(keys: account, now: 2) == nil)
    }
}
