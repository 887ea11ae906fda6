import Exposition
import Hummingbird
import Logging
import Metering
import ServiceLifecycle

/// Builds the HTTP application: `/metrics`, `/healthz`, `/readyz` and the REST API.
public enum MeterServer {
    /// The router with every route; tests drive it in-process with HummingbirdTesting.
    public static func router(
        state: MeterState,
        settings: ServerSettings,
        extraCollectors: @escaping @Sendable () -> [any MetricsCollector] = { [] }
    ) -> Router<MeterRequestContext> {
        let router = Router(context: MeterRequestContext.self)
        MetricsController(state: state, settings: settings.exposition, extraCollectors: extraCollectors).addRoutes(to: router)
        HealthController(state: state, readinessLimit: settings.readinessLimitSeconds).addRoutes(to: router)
        return router
    }

    /// The application serving `router`, with `services` (the scheduler) run alongside in its service group.
    public static func application(
        router: Router<MeterRequestContext>,
        settings: ServerSettings,
        logger: Logger,
        onListening: @escaping @Sendable (String, Int) async -> Void = { _, _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "rbd-meter"),
            onServerRunning: { channel in
                await onListening(settings.host, channel.localAddress?.port ?? settings.port)
            },
            logger: logger
        )
    }
}
