import Metering
import RBD

/// The API's own connection to the cluster, apart from the scanner's, so that a long scan never
/// queues an API call behind its work. Every failure comes out as an ``APIError``.
struct CephAccess: Sendable {
    let connector: ClusterConnector

    /// Runs `body` with the cluster; Ceph errors become 4xx/5xx API errors.
    ///
    /// A connection the OSDs refuse as blocklisted (an operator or the monitors fenced its address)
    /// stays refused for good: it is replaced by a fresh one for the next request, as the scanner
    /// replaces its own. The request itself is not retried, since it may have changed something
    /// before the refusal; it answers 503 and says to retry.
    func run<T: Sendable>(_ body: (Cluster) async throws -> T) async throws -> T {
        let cluster: Cluster
        do {
            cluster = try await connector.connect()
        } catch {
            throw APIError.from(error)
        }
        do {
            return try await body(cluster)
        } catch let error as RBDError where error.kind == .blocklisted {
            throw await replace(fenced: cluster, after: error)
        } catch {
            throw APIError.from(error)
        }
    }

    private func replace(fenced: Cluster, after error: RBDError) async -> APIError {
        do {
            // Several requests may meet the fence at once: one fresh connection replaces it.
            if try await connector.connect() === fenced {
                await connector.replace(fenced, with: try await connector.connectAnother())
            }
            return APIError(
                .serviceUnavailable, "connection_replaced",
                "the API's Ceph connection was blocklisted (\(error.description)); a fresh one replaces it: retry the request")
        } catch {
            return APIError.from(error)
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
