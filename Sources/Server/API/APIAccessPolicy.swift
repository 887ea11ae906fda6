import HTTPTypes
import Hummingbird

/// Guards `/v1` once the authenticators have run: mutating requests need an accepted credential, and
/// so do reads unless `api.read_open`.
///
/// Without any credential configured, mutating requests are refused with 403: an API that can
/// delete volumes is closed until someone opens it on purpose.
struct APIAccessPolicy: RouterMiddleware {
    typealias Context = MeterRequestContext

    let settings: APISettings

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let reading = request.method == .get || request.method == .head
        if reading && settings.readOpen {
            return try await next(request, context)
        }
        if !reading && !settings.hasCredentials {
            throw APIError(.forbidden, "api_closed", "changes through the API are disabled: configure api.tokens or api.users")
        }
        guard let user = context.identity, !user.isDecoy else {
            let given = request.headers[.authorization] != nil
            throw APIError(.unauthorized, given ? "bad_credentials" : "credentials_required",
                           given ? "the credentials are not valid" : "send a bearer token or basic-auth credentials")
        }
        if !reading {
            context.logger.info("API change", metadata: ["by": "\(user.name)", "method": "\(request.method)", "path": "\(request.uri.path)"])
        }
        return try await next(request, context)
    }
}
