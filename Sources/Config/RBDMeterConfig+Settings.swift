import Exposition
import History
import Metering
import RBD
import Reports
import Server

extension RBDMeterConfig {
    /// How to connect to Ceph.
    public var connectionOptions: ConnectionOptions {
        ConnectionOptions(
            configFile: ceph.conf, clientID: ceph.id, keyring: ceph.keyring,
            connectTimeout: Int(ceph.connectTimeoutSeconds),
            monitorOperationTimeout: Int(ceph.monitorOperationTimeoutSeconds),
            osdOperationTimeout: Int(ceph.osdOperationTimeoutSeconds),
            settings: ceph.options
        )
    }

    /// What each scan covers.
    public var scanOptions: ScanOptions {
        ScanOptions(
            pools: poolNames, poolFilter: poolFilter, namespaceFilter: namespaceFilter, mode: scan.mode,
            concurrency: Int(scan.concurrency), objectsPerRange: UInt64(scan.objectsPerRange),
            poolTimeBudget: scan.poolTimeBudgetSeconds.map { .milliseconds(Int64($0 * 1000)) },
            useListing: scan.listing, reuseSettleSeconds: scan.reuseSettleSeconds,
            fullRescanEvery: Int(scan.fullRescanEvery), shard: scan.shard
        )
    }

    /// When scans run.
    public var timing: Scheduler.Timing {
        Scheduler.Timing(
            interval: .milliseconds(Int64(scan.intervalSeconds * 1000)), jitter: scan.jitter,
            initialBackoff: .milliseconds(Int64(min(5, scan.intervalSeconds) * 1000)),
            maximumBackoff: .milliseconds(Int64(scan.backoffMaxSeconds * 1000))
        )
    }

    /// How long history is kept.
    public var retention: Retention {
        Retention(rawDays: database.rawDays, hourlyDays: database.hourlyDays, dailyDays: database.dailyDays)
    }

    /// How the HTTP server listens and what `/metrics` shows.
    public var serverSettings: ServerSettings {
        ServerSettings(
            host: server.host, port: Int(server.port),
            exposition: ExpositionSettings(perImagePools: GlobFilter(exclude: aggregateOnlyPools), scanIntervalSeconds: scan.intervalSeconds),
            readinessLimitSeconds: server.readinessIntervals * scan.intervalSeconds,
            tls: server.tls
        )
    }

    /// Who may use the REST API.
    public var apiSettings: APISettings {
        APISettings(readOpen: api.readOpen, allowPoolDelete: api.allowPoolDelete, tokens: api.tokens, users: api.users, maxImageSizeBytes: api.maxImageSizeBytes)
    }

    /// How forecasts are fitted.
    public var forecastEngine: ForecastEngine {
        ForecastEngine(windowDays: forecast.windowDays, minimumPoints: Int(forecast.minimumPoints))
    }
}
