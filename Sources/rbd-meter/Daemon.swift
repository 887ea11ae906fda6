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
    /// Threads of the REST API's own connection: a few live requests at once.
    static let apiThreads = 4

    func run() async throws {
        var settings = config.server
        // The shard is the scan's (scan.shard, or --shard over it); /metrics says which it is.
        settings.exposition.shard = config.scan.shard
        // Ceph work yields the CPU to the HTTP server: a scrape must not wait for a scan.
        let pool = BlockingPool(threads: config.scan.concurrency, niceness: Self.cephNiceness)
        let state = MeterState()
        let history = openHistory()
        if history != nil { state.recordHistoryOpened() }
        let forecasts = history.map {
            ForecastBoard(
                engine: config.forecast, history: $0, state: state, rules: config.quotas,
                refreshSeconds: config.forecastRefreshSeconds, logger: logger)
        }
        var sinks: [any ScanSink] = []
        if let history, let forecasts {
            // The history first: forecasts read the scan it has just written.
            sinks.append(HistorySink(store: history, state: state, logger: logger))
            sinks.append(forecasts)
        }
        let rules = config.quotas

        let connector = ClusterConnector(options: config.ceph, pool: pool, logger: logger)
        let source = ClusterScanSource(connector: connector, options: config.scan, logger: logger, resuming: await resumedMemory(history))
        let scheduler = Scheduler(source: source, timing: config.timing, state: state, sinks: sinks, logger: logger)
        // The API has its own connection and threads, so that a long scan never delays it, and may
        // act as a Ceph client of its own, so that the metering key can stay read-only.
        let apiPool = BlockingPool(threads: Self.apiThreads, niceness: Self.cephNiceness)
        let apiConnector = ClusterConnector(options: config.apiConnectionOptions, pool: apiPool, logger: logger)
        var api = config.api
        api.scan = config.scan
        let router = try MeterServer.router(state: state, settings: settings, api: (api, apiConnector), history: history) {
            [QuotaCollector(rules: rules, snapshot: state.snapshot), ForecastCollector(forecasts: forecasts?.current ?? [])]
        }
        let scheme = settings.tls == nil ? "http" : "https"
        let app = try MeterServer.application(router: router, settings: settings, logger: logger) { host, port in
            let shown = [ServerSettings.anyHost, ServerSettings.anyIPv4Host].contains(host) ? "localhost" : host
            // Unbuffered, so that scripts waiting for this line see it at once.
            FileHandle.standardOutput.write(Data("rbd-meter: serving \(scheme)://\(shown):\(port)/metrics\n".utf8))
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: [.init(service: scheduler), .init(service: app)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // The server stops first (services shut down in reverse order), then the running scan is
        // cancelled; past the grace period everything is cancelled outright.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(settings.shutdownGraceSeconds)
        try await ServiceGroup(configuration: groupConfiguration).run()
        if let history {
            do {
                try history.close()
            } catch {
                logger.error("cannot close the history database", metadata: ["error": "\(error)"])
            }
        }
        // The connections first: their shutdown runs on the pools.
        await connector.close()
        await apiConnector.close()
        await pool.shutdown()
        await apiPool.shutdown()
        logger.info("stopped")
    }

    /// What the previous process left for incremental scans: its first scan then measures only what
    /// changed. Without it (no history, or unreadable), the first scan measures every image.
    private func resumedMemory(_ history: HistoryStore?) async -> ReuseMemory {
        guard let history else { return ReuseMemory() }
        do {
            let memory = try await history.reuseMemory()
            logger.info("resuming incremental scans", metadata: ["images": "\(memory.images.count)"])
            return memory
        } catch {
            logger.warning("cannot read what the previous scans measured; the first scan measures every image", metadata: ["error": "\(error)"])
            return ReuseMemory()
        }
    }

    /// The history store, or `nil` (with an error logged) when the database cannot be opened:
    /// metering goes on without history rather than not at all.
    private func openHistory() -> HistoryStore? {
        let path = config.databasePath
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
