import DepotCore

/// What the store reports to callers; each case carries what a user needs to act on it.
public enum StoreError: Error, Sendable, Equatable {
    /// The thing asked for does not exist (or is not visible to the caller).
    case notFound(String)
    /// A value that must be unique is already taken; `field` names the form field.
    case duplicate(field: String, message: String)
    /// Input that breaks a rule, one message per field.
    case invalid(ValidationErrors)
    /// The change conflicts with the current state (e.g. deleting an organisation that still has channels).
    case conflict(String)
}

/// Who made a change, for the audit log.
public struct AuditActor: Sendable, Equatable {
    public let id: Int64?
    public let name: String

    public init(id: Int64?, name: String) {
        self.id = id
        self.name = name
    }

    /// Changes made from the command line on the server itself.
    public static let system = AuditActor(id: nil, name: "system")
}

extension StoreError {
    /// One line for a person (CLI, logs).
    public var userMessage: String {
        switch self {
        case .notFound(let what): "No such \(what)."
        case .duplicate(_, let message), .conflict(let message): message
        case .invalid(let errors): errors.fields.map(\.message).joined(separator: " ")
        }
    }
}
