import Metering
import RBD

/// The API's own connection to the cluster, apart from the scanner's, so that a long scan never
/// queues an API call behind its work. Every failure comes out as an ``APIError``.
struct CephAccess: Sendable {
    let connector: ClusterConnector

    /// Runs `body` with the cluster; Ceph errors become 4xx/5xx API errors.
    func run<T: Sendable>(_ body: (Cluster) async throws -> T) async throws -> T {
        do {
            return try await body(try await connector.connect())
        } catch {
            throw APIError.from(error)
        }
    }

    /// Runs `body` with an I/O context on `pool` and `namespace`; a missing pool is a 404 that says so.
    func run<T: Sendable>(pool: String, namespace: String, _ body: (IOContext) async throws -> T) async throws -> T {
        try await run { cluster in
            let root = try await cluster.ioContext(pool: pool)
            guard !namespace.isEmpty else { return try await body(root) }
            guard try await root.namespaces().contains(namespace) else {
                throw APIError(.notFound, "not_found", "namespace \(pool)/\(namespace) does not exist")
            }
            return try await body(try await root.inNamespace(namespace))
        }
    }
}
