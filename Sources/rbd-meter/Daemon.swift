import Config
import Foundation
import History
import Logging
import Metering
import RBD
import Reports
import Server
import ServiceLifecycle

/// Everything `serve` runs, wired together from the configuration.
struct Daemon {
    let config: RBDMeterConfig
    let logger: Logger
    static let cephNiceness: Int32 = 10

    func run() async throws {
        let settings = config.serverSettings
        // Ceph work yields the CPU to the HTTP server: a scrape must not wait for a scan.
        let pool = BlockingPool(threads: Int(config.scan.concurrency), niceness: Self.cephNiceness)
        let state = MeterState()
        let history = openHistory()
        let forecasts = history.map {
            ForecastBoard(
                engine: config.forecastEngine, history: $0, state: state, rules: config.quotas,
                refreshSeconds: config.forecast.refreshSeconds, logger: logger)
        }
        var sinks: [any ScanSink] = []
        if let history, let forecasts {
            // The history first: forecasts read the scan it has just written.
            sinks.append(HistorySink(store: history, state: state, logger: logger))
            sinks.append(forecasts)
        }
        let rules = config.quotas

        let source = ClusterScanSource(
            connector: ClusterConnector(options: config.connectionOptions, pool: pool), options: config.scanOptions, logger: logger)
        let scheduler = Scheduler(source: source, timing: config.timing, state: state, sinks: sinks, logger: logger)
        // The API has its own connection and threads, so that a long scan never delays it.
        let apiPool = BlockingPool(threads: 4, niceness: Self.cephNiceness)
        let apiConnector = ClusterConnector(options: config.connectionOptions, pool: apiPool)
        let router = MeterServer.router(state: state, settings: settings, api: (config.apiSettings, apiConnector), history: history) {
            [QuotaCollector(rules: rules, snapshot: state.snapshot), ForecastCollector(forecasts: forecasts?.current ?? [])]
        }
        let scheme = settings.tls == nil ? "http" : "https"
        let app = try MeterServer.application(router: router, settings: settings, logger: logger) { host, port in
            let shown = host == "0.0.0.0" || host == "::" ? "localhost" : host
            // Unbuffered, so that scripts waiting for this line see it at once.
            FileHandle.standardOutput.write(Data("rbd-meter: serving \(scheme)://\(shown):\(port)/metrics\n".utf8))
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: [.init(service: scheduler), .init(service: app)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // The server stops first (services shut down in reverse order), then the running scan is
        // cancelled; past the grace period everything is cancelled outright.
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(Int64(config.server.shutdownGraceSeconds * 1000))
        try await ServiceGroup(configuration: groupConfiguration).run()
        if let history {
            do {
                try history.close()
            } catch {
                logger.error("cannot close the history database", metadata: ["error": "\(error)"])
            }
        }
        await pool.shutdown()
        await apiPool.shutdown()
        logger.info("stopped")
    }

    /// The history store, or `nil` (with an error logged) when the database cannot be opened:
    /// metering goes on without history rather than not at all.
    private func openHistory() -> HistoryStore? {
        let path = config.database.path
        do {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return try HistoryStore(path: path, retention: config.retention)
        } catch {
            logger.error("cannot open the history database; serving metrics without history", metadata: ["path": "\(path)", "error": "\(error)"])
            return nil
        }
    }
}
