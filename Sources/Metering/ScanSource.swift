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
            return report.clusterUnreachable
        }
    }
}

/// Scans the real cluster through a ``ClusterConnector``, handing each scan the previous one's
/// numbers so that unchanged images are not measured again, except on every
/// ``ScanOptions/fullRescanEvery``-th scan.
public struct ClusterScanSource: ScanSource {
    public let connector: ClusterConnector
    public let options: ScanOptions
    public let logger: Logger
    private let memory = ScanMemory()

    public init(connector: ClusterConnector, options: ScanOptions, logger: Logger) {
        self.connector = connector
        self.options = options
        self.logger = logger
    }

    /// What the previous scans measured, for the next one.
    actor ScanMemory {
        var images: [String: ImageUsage] = [:]
        var scans = 0

        /// The numbers the next scan may reuse: none on a full scan.
        func next(fullEvery: Int) -> [String: ImageUsage] {
            defer { scans += 1 }
            return fullEvery > 1 && scans % fullEvery != 0 ? images : [:]
        }

        /// Keeps the images of pools scanned to the end; a failed pool's images are measured anew.
        func remember(_ report: ScanReport) {
            var kept: [String: ImageUsage] = [:]
            for pool in report.pools where pool.failure == nil {
                for image in pool.images { kept[image.spec] = image }
            }
            images = kept
        }
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
        let previous = await memory.next(fullEvery: options.fullRescanEvery)
        let report = await Scanner(cluster: cluster, options: options, logger: logger).scan(previous: previous)
        await memory.remember(report)
        return .report(report)
    }
}
