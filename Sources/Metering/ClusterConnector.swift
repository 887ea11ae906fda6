import RBD

/// Connects to the cluster on first use and keeps the connection; librados itself reconnects to
/// the monitors when they come back, so only a connection that never succeeded is retried.
public actor ClusterConnector {
    private let options: ConnectionOptions
    private let pool: BlockingPool
    private var cluster: Cluster?

    public init(options: ConnectionOptions, pool: BlockingPool) {
        self.options = options
        self.pool = pool
    }

    /// The connection, made now if there is none yet.
    public func connect() async throws -> Cluster {
        if let cluster { return cluster }
        let connected = try await Cluster.connect(options, on: pool)
        cluster = connected
        return connected
    }

    /// The connection if one was made.
    public var current: Cluster? { cluster }
}
