import DepotStore
import Foundation

/// JSON shapes of the API (`snake_case` on the wire).
struct ChannelJSON: Encodable {
    let name: String
    let org: String
    let parent: String?
    let description: String
    let privacy: String
    let frozen: Bool
    let frozenAt: Date?
    let createdAt: Date
    let updatedAt: Date
    let subchannels: [String]
    let mirrors: [String]
    let policy: String?
    let url: String

    init(
        _ channel: ChannelRecord, org: String, parent: String?, subchannels: [String], mirrors: [String] = [], policy: String? = nil,
        baseURL: String
    ) {
        name = channel.fullName
        self.org = org
        self.parent = parent
        description = channel.description
        privacy = channel.privacy
        frozen = channel.frozen
        frozenAt = channel.frozenAt
        createdAt = channel.createdAt
        updatedAt = channel.updatedAt
        self.subchannels = subchannels
        self.mirrors = mirrors
        self.policy = policy
        url = "\(baseURL)/api/repo/\(channel.fullName)"
    }
}

struct OrgJSON: Encodable {
    let name: String
    let createdAt: Date
}

struct MemberJSON: Encodable {
    let user: String
    let role: String
}

struct UserJSON: Encodable {
    let name: String
    let admin: Bool
    let createdAt: Date
}

struct AuditJSON: Encodable {
    let id: Int64
    let at: Date
    let actor: String
    let org: String?
    let action: String
    let target: String
    let details: String
}

struct ListJSON<Item: Encodable>: Encodable {
    let items: [Item]
}

// Request bodies
struct CreateOrgBody: Decodable { let name: String }
struct AddMemberBody: Decodable {
    let user: String
    let role: String
}
struct CreateUserBody: Decodable {
    let name: String
    let password: String
    let admin: Bool?
}
struct CreateChannelBody: Decodable {
    let org: String
    let name: String
    let privacy: String?
    let description: String?
    let parent: String?
}
struct UpdateChannelBody: Decodable {
    let description: String?
    let privacy: String?
    /// A policy name of the channel's organisation; "" removes the channel's policy.
    let policy: String?
}
