import Logging
import RBD

/// Where the scheduler's scans come from: the seam between scheduling and Ceph.
public protocol ScanSource: Sendable {
    /// Runs one scan, connecting first if needed; the pools that `backoff` says must wait are
    /// reported as skipped, not tried.
    func scan(backoff: PoolBackoff) async -> ScanAttempt
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
/// numbers so that unchanged images are not measured again (until they are
/// ``ScanOptions/fullRescanSeconds`` old).
///
/// A pool that timed out before is scanned cautiously (one image at a time, small request windows),
/// so that an OSD that is still stuck does not get a full window of requests queued again. A pool
/// that times out ``reconnectAfterTimeouts`` scans in a row while the monitors answer, or whose
/// OSDs refuse the connection as blocklisted, is scanned again at once on a fresh connection: if
/// that one is answered, the old connection was the problem, and the fresh one replaces it (see
/// docs/reliability.md, "Recovery after an OSD stall").
public struct ClusterScanSource: ScanSource {
    public let connector: ClusterConnector
    public let options: ScanOptions
    public let logger: Logger
    private let memory: ScanMemory
    private let clock: ClusterClock

    /// Scans in a row a pool must time out, the monitors answering, before a fresh connection is
    /// tried for it: one timeout is an OSD's stall, two is worth a new connection's handshake.
    public static let reconnectAfterTimeouts = 2

    /// Whether the `timeouts`-th timeout in a row of a pool is worth a try on a fresh connection: the
    /// ``reconnectAfterTimeouts``-th, then each time the count doubles. A fresh connection that
    /// timed out too showed that the OSDs do not answer anyone; trying again at every backoff would
    /// only churn connections for a pool whose placement groups are stuck for good.
    static func triesFreshConnection(afterTimeouts timeouts: Int) -> Bool {
        timeouts >= reconnectAfterTimeouts && timeouts % reconnectAfterTimeouts == 0
            && (timeouts / reconnectAfterTimeouts).nonzeroBitCount == 1
    }

    /// - Parameter resuming: what the previous process measured and proved of the cluster's clock
    ///   (``HistoryStore/reuseMemory()``), so that its first scan is an incremental one.
    public init(connector: ClusterConnector, options: ScanOptions, logger: Logger, resuming: ReuseMemory = ReuseMemory()) {
        self.connector = connector
        self.options = options
        self.logger = logger
        memory = ScanMemory(images: resuming.images)
        clock = ClusterClock(offset: resuming.clusterClockOffset)
    }

    /// What the previous scans measured, for the next one.
    actor ScanMemory {
        var images: [String: ImageUsage]

        init(images: [String: ImageUsage]) {
            self.images = images
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

    public func scan(backoff: PoolBackoff) async -> ScanAttempt {
        let cluster: Cluster
        do {
            cluster = try await connector.connect()
        } catch {
            let failure = ScanFailure(error)
            logger.error("cannot connect to the cluster", metadata: ["error": "\(failure.message)"])
            return .unreachable(failure)
        }
        let previous = await memory.images
        var report = await Scanner(cluster: cluster, options: options, logger: logger, clock: clock)
            .scan(previous: previous, skipping: backoff.waiting(at: .now), cautious: Set(backoff.pools.keys))
        report.connection = ConnectionIdentity(cluster)
        if !report.clusterUnreachable {
            await retryOnFreshConnection(&report, backoff: backoff, previous: previous)
        }
        await memory.remember(report)
        return .report(report)
    }

    /// Scans the pools that timed out again and again (the monitors answering) or were refused as
    /// blocklisted on a fresh connection; if it is answered where the old one failed, it replaces
    /// the old one.
    private func retryOnFreshConnection(_ report: inout ScanReport, backoff: PoolBackoff, previous: [String: ImageUsage]) async {
        let suspects = report.pools.indices.filter { index in
            let scan = report.pools[index]
            guard !scan.skipped, let reason = scan.failure?.reason else { return false }
            return reason == .blocklisted || (reason == .timeout && Self.triesFreshConnection(afterTimeouts: backoff.timeouts(of: scan.pool) + 1))
        }
        guard !suspects.isEmpty else { return }
        let fresh: Cluster
        do {
            fresh = try await connector.connectAnother()
        } catch {
            logger.warning("cannot make a fresh connection to retry the failing pools", metadata: ["error": "\(ScanFailure(error).message)"])
            return
        }
        let scanner = Scanner(cluster: fresh, options: options, logger: logger, clock: clock)
        var answered: [String] = []
        for index in suspects {
            var retried = await scanner.scanPool(report.pools[index].pool, previous: previous, cautious: true)
            guard retried.failure?.reason != .timeout else { continue }
            retried.capacity = report.pools[index].capacity
            retried.retriedAfter = report.pools[index].failure
            report.pools[index] = retried
            answered.append(retried.pool)
        }
        // A fresh connection that timed out too is closed: the OSDs themselves do not answer, and
        // the old connection is as good as any.
        guard !answered.isEmpty else {
            await fresh.close()
            return
        }
        await connector.replace(with: fresh)
        report.reconnects += 1
        report.connection = ConnectionIdentity(fresh)
        logger.warning("replaced the cluster connection: a fresh one was answered where it failed", metadata: [
            "pools": "\(answered.joined(separator: ","))",
        ])
    }
}
