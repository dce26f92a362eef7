/// The level a role grants in each category. Categories not listed are `.none`.
public struct RoleGrants: Sendable, Equatable, Hashable {
    public private(set) var levels: [PermissionCategory: PermissionLevel]

    public init(_ levels: [PermissionCategory: PermissionLevel] = [:]) {
        self.levels = levels.filter { $0.value != .none }
    }

    public static func all(_ level: PermissionLevel) -> RoleGrants {
        RoleGrants(Dictionary(uniqueKeysWithValues: PermissionCategory.allCases.map { ($0, level) }))
    }

    public subscript(category: PermissionCategory) -> PermissionLevel {
        get { levels[category] ?? .none }
        set { levels[category] = newValue == .none ? nil : newValue }
    }

    public func allows(_ action: PermissionAction, on category: PermissionCategory) -> Bool {
        self[category] >= action.requiredLevel
    }

    /// A stable text form for storage: `channels=manage,members=read`.
    public var encoded: String {
        PermissionCategory.allCases
            .compactMap { category in
                let level = self[category]
                return level == .none ? nil : "\(category.rawValue)=\(level.name)"
            }
            .joined(separator: ",")
    }

    public init(encoded: String) throws(RoleGrantsError) {
        var levels: [PermissionCategory: PermissionLevel] = [:]
        for part in encoded.split(separator: ",") where !part.isEmpty {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, let category = PermissionCategory(rawValue: pair[0]) else {
                throw .unknownCategory(String(part))
            }
            guard let level = PermissionLevel(name: pair[1]) else { throw .unknownLevel(String(part)) }
            levels[category] = level
        }
        self.init(levels)
    }
}

public enum RoleGrantsError: Error, Equatable {
    case unknownCategory(String)
    case unknownLevel(String)
}
