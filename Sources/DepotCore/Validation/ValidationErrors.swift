/// Messages for a form or API body, one per field, in the order they were found.
public struct ValidationErrors: Error, Sendable, Equatable {
    public private(set) var fields: [(field: String, message: String)] = []

    public init() {}

    public init(field: String, message: String) {
        add(field, message)
    }

    public var isEmpty: Bool { fields.isEmpty }

    public mutating func add(_ field: String, _ message: String) {
        guard self[field] == nil else { return }
        fields.append((field, message))
    }

    public subscript(field: String) -> String? {
        fields.first(where: { $0.field == field })?.message
    }

    public var first: (field: String, message: String)? { fields.first }

    public func throwIfAny() throws(ValidationErrors) {
        if !isEmpty { throw self }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.fields.map(\.field) == rhs.fields.map(\.field) && lhs.fields.map(\.message) == rhs.fields.map(\.message)
    }
}
