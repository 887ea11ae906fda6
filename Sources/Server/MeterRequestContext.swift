import Hummingbird
import HummingbirdAuth

/// The request context of every route: Hummingbird's core storage plus who made the request.
public struct MeterRequestContext: AuthRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller, once an authenticator has accepted a credential.
    public var identity: APIUser?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// API bodies are small: a few parameters.
    public var maxUploadSize: Int { 64 * 1024 }
}
