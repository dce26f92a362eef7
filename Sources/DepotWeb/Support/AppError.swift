import Foundation
import Hummingbird

/// The web layer's errors, each with the status and a message a user can act on.
public enum AppError: Error, Sendable, Equatable {
    case unauthorized
    case forbidden(String)
    case notFound(String)
    case badRequest(String)
    case csrf
    case tooManyRequests(retryAfter: Int)
    case payloadTooLarge

    public var status: HTTPResponse.Status {
        switch self {
        case .unauthorized: .unauthorized
        case .forbidden, .csrf: .forbidden
        case .notFound: .notFound
        case .badRequest: .badRequest
        case .tooManyRequests: .tooManyRequests
        case .payloadTooLarge: .contentTooLarge
        }
    }

    public var code: String {
        switch self {
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .notFound: "not_found"
        case .badRequest: "bad_request"
        case .csrf: "csrf"
        case .tooManyRequests: "too_many_requests"
        case .payloadTooLarge: "too_large"
        }
    }

    public var message: String {
        switch self {
        case .unauthorized: "Sign in to continue."
        case .forbidden(let message): message
        case .notFound(let what): "No such \(what), or you do not have access to it."
        case .badRequest(let message): message
        case .csrf: "This form has expired or was sent from another site. Reload the page and try again."
        case .tooManyRequests(let seconds):
            "Too many failed sign-ins. Try again in \(max(1, (seconds + 59) / 60)) minute\(seconds > 60 ? "s" : "")."
        case .payloadTooLarge: "The request is too large."
        }
    }
}
