import RBD

/// Connects to the cluster on first use and keeps the connection; librados itself reconnects to
/// the monitors when they come back, so only a connection that never succeeded is retried.
/// Callers that ask while a connection attempt runs wait for that same attempt.
public actor ClusterConnector {
    private let options: ConnectionOptions
    private let pool: BlockingPool
    private var attempt: Task<Cluster, any Error>?
    private var cluster: Cluster?

    public init(options: ConnectionOptions, pool: BlockingPool) {
        self.options = options
        self.pool = pool
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
        do {
            let connected = try await task.value
            cluster = connected
            attempt = nil
            return connected
        } catch {
            attempt = nil
            throw error
        }
    }

    /// The connection if one was made.
    public var current: Cluster? { cluster }

    /// Drops the connection; it shuts down on the pool once its last user lets go of it (see
    /// ``Cluster``), and shutting the pool down waits for that. A later ``connect()`` connects anew.
    public func close() {
        cluster = nil
        attempt?.cancel()
        attempt = nil
    }
}
