import DepotStore
import Foundation
import Logging

public enum Bootstrap {
    /// On the first start (no users), creates the administrator `admin` with `password`, or with a random
    /// password printed once.
    public static func ensureAdministrator(
        database: AppDatabase, passwords: Passwords, password: String?, logger: Logger
    ) async throws {
        guard try await database.userCount() == 0 else { return }
        let chosen = password.flatMap { $0.isEmpty ? nil : $0 } ?? Secrets.password()
        if let message = Passwords.check(chosen) {
            throw BootstrapError.badPassword("DEPOT_ADMIN_PASSWORD: \(message)")
        }
        _ = try await database.createUser(
            name: "admin", passwordHash: try await passwords.hash(chosen), isAdmin: true, by: .system)
        if password == nil || password?.isEmpty == true {
            // Printed once, on standard output only, never logged.
            print("""

                Depot created the administrator account.
                  user:     admin
                  password: \(chosen)
                Sign in and keep this password somewhere safe; it is not shown again.

                """)
        } else {
            logger.info("created administrator from DEPOT_ADMIN_PASSWORD", metadata: ["user": "admin"])
        }
    }
}

public enum BootstrapError: Error, CustomStringConvertible {
    case badPassword(String)
    public var description: String {
        switch self {
        case .badPassword(let message): message
        }
    }
}
