import HTTPTypes
import Hummingbird

/// Guards `/v1`: mutating requests need valid credentials, and so do reads unless `api.read_open`.
///
/// Without any credential configured, mutating requests are refused with 403: an API that can
/// delete volumes is closed until someone opens it on purpose.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = MeterRequestContext

    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let settings = authenticator.settings
        let reading = request.method == .get || request.method == .head
        if reading && settings.readOpen {
            return try await next(request, context)
        }
        if !reading && !settings.hasCredentials {
            throw APIError(.forbidden, "api_closed", "changes through the API are disabled: configure api.tokens or api.users")
        }
        guard let identity = authenticator.identity(authorization: request.headers[.authorization]) else {
            let given = request.headers[.authorization] != nil
            throw APIError(.unauthorized, given ? "bad_credentials" : "credentials_required",
                           given ? "the credentials are not valid" : "send a bearer token or basic-auth credentials")
        }
        var context = context
        context.identity = identity
        if !reading {
            context.logger.info("API change", metadata: ["by": "\(identity)", "method": "\(request.method)", "path": "\(request.uri.path)"])
        }
        return try await next(request, context)
    }
}
