import Foundation
import Hummingbird

enum Redirect {
    /// 303 See Other: after a POST the browser loads the target with GET.
    static func to(_ path: String, flash: String? = nil) -> Response {
        var response = Response(status: .seeOther, headers: [.location: path])
        if let flash, let encoded = flash.addingPercentEncoding(withAllowedCharacters: .alphanumerics) {
            response.setCookie(Cookie(name: AuthMiddleware.flashCookie, value: encoded, path: "/", httpOnly: true, sameSite: .lax))
        }
        return response
    }
}
