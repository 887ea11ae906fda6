import Logging
import RBD

/// Connects to the cluster on first use and keeps the connection; librados itself reconnects to
/// the monitors when they come back, so only a connection that never succeeded is retried, and a
/// connection is replaced only when a fresh one is shown to be answered where it is not
/// (``replace(with:)``). Callers that ask while a connection attempt runs wait for that same attempt.
public actor ClusterConnector {
    private let options: ConnectionOptions
    private let pool: BlockingPool
    private var attempt: Task<Cluster, any Error>?
    private var cluster: Cluster?
    /// Connections replaced, closing once their running calls end.
    private var retiring: [Task<Void, Never>] = []
    /// How many times ``close()`` ran: an attempt that a close overtook keeps nothing.
    private var closes = 0
    private let logger: Logger

    public init(options: ConnectionOptions, pool: BlockingPool, logger: Logger = Logger(label: "rbd-meter.connector")) {
        self.options = options
        self.pool = pool
        self.logger = logger
    }

    /// The connection, made now if there is none yet.
    public func connect() async throws -> Cluster {
        if let cluster { return cluster }
        let task: Task<Cluster, any Error>
        if let attempt {
            task = attempt
        } else {
            let options = self.options
            let pool = self.pool
            task = Task { try await Cluster.connect(options, on: pool) }
            attempt = task
        }
        let generation = closes
        do {
            let connected = try await task.value
            // A close() meanwhile closes what this attempt made: it is not kept.
            guard closes == generation else { throw CancellationError() }
            // The first caller to resume keeps it; the others of the same attempt find it kept.
            if attempt == task {
                attempt = nil
                cluster = connected
                log(connected)
            }
            return connected
        } catch {
            if attempt == task { attempt = nil }
            throw error
        }
    }

    /// A connection of its own with the same options and threads, which the connector does not
    /// keep unless it is handed to ``replace(with:)``.
    public func connectAnother() async throws -> Cluster {
        try await Cluster.connect(options, on: pool)
    }

    /// Makes `fresh` the connection. The old one closes once the calls running on it end (later
    /// ones fail with `ECANCELED`): a scan still holding it finishes on it, off the event loop.
    public func replace(with fresh: Cluster) {
        if let old = cluster, old !== fresh { retiring.append(Task { await old.close() }) }
        cluster = fresh
        attempt?.cancel()
        attempt = nil
        log(fresh)
    }

    /// Makes `fresh` the connection if `stale` still is; one that replaced `stale` meanwhile (another
    /// request that met the same fence) stays, and `fresh` is closed.
    public func replace(_ stale: Cluster, with fresh: Cluster) {
        guard cluster === stale else {
            retiring.append(Task { await fresh.close() })
            return
        }
        replace(with: fresh)
    }

    /// Says which address the OSDs see, so that an operator can match it with
    /// `ceph osd blocklist ls` and the monitors' session list.
    private func log(_ connected: Cluster) {
        logger.info("connected to the cluster", metadata: ["client": "client.\(options.clientID)", "address": "\(connected.address)"])
    }

    /// The connection if one was made.
    public var current: Cluster? { cluster }

    /// Closes the connection and those it replaced, and waits until they have shut down (see
    /// ``Cluster/close()``). A later ``connect()`` connects anew.
    public func close() async {
        closes += 1
        let closing = cluster
        let connecting = attempt
        cluster = nil
        attempt = nil
        connecting?.cancel()
        await closing?.close()
        // An attempt still connecting ends within the connect timeout; what it made is closed too.
        if let connecting, let made = try? await connecting.value, made !== closing { await made.close() }
        let retired = retiring
        retiring = []
        for task in retired { await task.value }
    }
}
