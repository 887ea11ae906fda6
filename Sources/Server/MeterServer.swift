import Exposition
import History
import Hummingbird
import HummingbirdBasicAuth
import HummingbirdCore
import HummingbirdTLS
import Logging
import Metering
import NIOSSL
import ServiceLifecycle

/// Builds the HTTP application: a landing page at `/`, `/metrics`, `/healthz`, `/readyz`, the REST
/// API under `/v1` and its OpenAPI document.
public enum MeterServer {
    /// The router with every route; tests drive it in-process with HummingbirdTesting.
    ///
    /// - Parameters:
    ///   - api: the REST API's settings and its own cluster connection; `nil` serves no `/v1` routes.
    public static func router(
        state: MeterState,
        settings: ServerSettings,
        api: (settings: APISettings, connector: ClusterConnector)? = nil,
        history: HistoryStore? = nil,
        extraCollectors: @escaping @Sendable () -> [any MetricsCollector] = { [] }
    ) throws -> Router<MeterRequestContext> {
        let router = Router(context: MeterRequestContext.self)
        LandingPageController(version: settings.exposition.version).addRoutes(to: router)
        MetricsController(state: state, settings: settings.exposition, extraCollectors: extraCollectors).addRoutes(to: router)
        HealthController(state: state, settings: settings).addRoutes(to: router)
        try OpenAPIController().addRoutes(to: router)
        if let api {
            let v1 = router.group("v1")
                .add(middleware: BearerTokenAuthenticator(tokens: api.settings.tokens))
                .add(middleware: BasicAuthenticator(users: ConfiguredUsers(api.settings.users), passwordHashVerifier: BcryptPasswordVerifier()))
                .add(middleware: APIAccessPolicy(settings: api.settings))
            let ceph = CephAccess(connector: api.connector)
            PoolController(ceph: ceph, state: state, settings: api.settings).addRoutes(to: v1)
            ImageController(ceph: ceph, state: state, history: history, settings: api.settings).addRoutes(to: v1)
            for (path, allowed) in [
                ("pool", [.get, .post, .delete]), ("pool/usage", [.get]), ("image", [.get, .post, .delete]),
                ("image/allocation", [.get]), ("image/info", [.get]), ("image/size", [.put]), ("image/history", [.get]),
            ] as [(String, [HTTPRequest.Method])] {
                MethodNotAllowed.add(to: v1, path: path, allowed: allowed)
            }
        }
        return router
    }

    /// The application serving `router`.
    ///
    /// - Parameters:
    ///   - onListening: called with the host and the bound port once the server listens.
    public static func application(
        router: Router<MeterRequestContext>,
        settings: ServerSettings,
        logger: Logger,
        onListening: @escaping @Sendable (String, Int) async -> Void = { _, _ in }
    ) throws -> some ApplicationProtocol {
        let host = settings.bindHost
        // Header limits well below NIO's defaults: a scraper or API client needs a few hundred bytes.
        var http1 = HTTP1Channel.Configuration(idleTimeout: .seconds(60))
        http1.httpDecoder.maxHeaderFieldSize = 16 * 1024
        http1.httpDecoder.maxHeaderListSize = 64 * 1024
        http1.httpDecoder.maxHeaderFieldCount = 100
        var server = HTTPServerBuilder.http1(configuration: http1)
        if let tls = settings.tls {
            let certificates = try NIOSSLCertificate.fromPEMFile(tls.certificatePath).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: tls.keyPath, format: .pem)
            server = try .tls(server, tlsConfiguration: TLSConfiguration.makeServerConfiguration(certificateChain: certificates, privateKey: NIOSSLPrivateKeySource.privateKey(key)))
        }
        return Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(host, port: settings.port), serverName: "rbd-meter"),
            onServerRunning: { channel in
                await onListening(host, channel.localAddress?.port ?? settings.port)
            },
            logger: logger
        )
    }
}
