import HummingbirdBcrypt
import NIOPosix

/// bcrypt off the event loops: hashing is deliberately slow.
public struct Passwords: Sendable {
    public let cost: UInt8
    /// A hash of a random secret, checked when a sign-in names an unknown user so timing does not tell which names exist.
    let dummyHash: String

    public init(cost: UInt8) {
        self.cost = cost
        dummyHash = Bcrypt.hash(Secrets.token(), cost: cost)
    }

    public static let minimumLength = 8

    public func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// Nil when the password is acceptable, else why not.
    public static func check(_ password: String) -> String? {
        if password.count < minimumLength { return "A password has at least \(minimumLength) characters." }
        if password.utf8.count > 72 { return "A password has at most 72 bytes (bcrypt ignores the rest)." }
        return nil
    }
}
