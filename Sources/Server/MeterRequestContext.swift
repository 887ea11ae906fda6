import Hummingbird

/// The request context of every route: Hummingbird's core storage plus who made the request.
public struct MeterRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated caller's name, once ``AuthenticationMiddleware`` has accepted credentials.
    public var identity: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// API bodies are small: a few parameters.
    public var maxUploadSize: Int { 64 * 1024 }
}
