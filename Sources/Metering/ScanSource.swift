import Logging
import RBD

/// Where the scheduler's scans come from: the seam between scheduling and Ceph.
public protocol ScanSource: Sendable {
    /// Runs one scan, connecting first if needed.
    func scan() async -> ScanAttempt
}

/// What one scheduled attempt produced.
public enum ScanAttempt: Sendable {
    /// A scan ran; it may still have failed in places.
    case report(ScanReport)
    /// No connection to the cluster could be made.
    case unreachable(ScanFailure)

    /// Whether the cluster looked unreachable, so that the scheduler should back off.
    public var clusterUnreachable: Bool {
        switch self {
        case .unreachable:
            return true
        case .report(let report):
            return report.failure?.isClusterUnreachable == true || report.pools.contains { $0.failure?.isClusterUnreachable == true }
        }
    }
}

/// Scans the real cluster through a ``ClusterConnector``.
public struct ClusterScanSource: ScanSource {
    public let connector: ClusterConnector
    public let options: ScanOptions
    public let logger: Logger

    public init(connector: ClusterConnector, options: ScanOptions, logger: Logger) {
        self.connector = connector
        self.options = options
        self.logger = logger
    }

    public func scan() async -> ScanAttempt {
        let cluster: Cluster
        do {
            cluster = try await connector.connect()
        } catch {
            let failure = ScanFailure(error)
            logger.error("cannot connect to the cluster", metadata: ["error": "\(failure.message)"])
            return .unreachable(failure)
        }
        return .report(await Scanner(cluster: cluster, options: options, logger: logger).scan())
    }
}
