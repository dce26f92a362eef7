import DepotCore
import DepotStore
import Foundation
import Hummingbird
import Logging
import NIOCore

/// How the caller proved who they are.
public enum AuthMethod: Sendable, Equatable {
    case none
    case session
    case token
}

/// The request context every route sees: who is asking and what they may do.
public struct DepotContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: String

    public var principal: Principal = .anonymous
    public var user: UserRecord?
    public var session: SessionRecord?
    public var authMethod: AuthMethod = .none
    /// The token a form must echo back; set for sessions and for the login form's cookie.
    public var csrfToken: String = ""
    /// A parsed `application/x-www-form-urlencoded` body, read once by the CSRF middleware.
    public var form: FormData = FormData()
    /// A one-time message carried over a redirect.
    public var flash: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    public var maxUploadSize: Int { 1 << 20 }

    public var auditActor: AuditActor { AuditActor(id: user?.id, name: user?.name ?? "anonymous") }

    /// The signed-in user, or 401 (the error middleware sends pages to the login form).
    @discardableResult
    public func requireUser() throws -> UserRecord {
        guard let user else { throw AppError.unauthorized }
        return user
    }

    public func requireAdmin() throws {
        try requireUser()
        guard principal.isAdmin else { throw AppError.notFound("page") }
    }

    /// The one permission check: throws 404 when the caller may not know the resource exists, 403 when they
    /// may see it but not do this, and asks anonymous callers to sign in first.
    public func require(
        _ action: PermissionAction, on category: PermissionCategory, in org: Int64, isPublic: Bool = false,
        what: String = "page"
    ) throws {
        switch principal.decide(action, on: category, in: org, isPublic: isPublic) {
        case .allowed:
            return
        case .forbidden:
            if user == nil { throw AppError.unauthorized }
            throw AppError.forbidden("Your role does not allow you to \(action.rawValue) \(category.title.lowercased()) here.")
        case .notFound:
            if user == nil && !isPublic { throw AppError.unauthorized }
            throw AppError.notFound(what)
        }
    }

    /// Checks access to a channel itself (`category` is picked from whether it is a subchannel).
    public func require(_ action: PermissionAction, channel: ChannelRecord) throws {
        try require(
            action, on: channel.isSubchannel ? .subchannels : .channels, in: channel.orgID,
            isPublic: channel.isPublic, what: "channel")
    }

    public func can(_ action: PermissionAction, channel: ChannelRecord) -> Bool {
        principal.decide(action, on: channel.isSubchannel ? .subchannels : .channels, in: channel.orgID, isPublic: channel.isPublic)
            == .allowed
    }
}
