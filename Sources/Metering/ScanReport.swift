import Foundation

/// The outcome of one scan: every pool it covered, and when.
public struct ScanReport: Sendable {
    public var startedAt: Date
    public var finishedAt: Date
    public var mode: UsageMode
    public var pools: [PoolScan]
    /// Set when the scan could not even list its pools (cluster unreachable, unknown pool named).
    public var failure: ScanFailure?
    /// Times the cluster connection was replaced during this scan (see ``ClusterScanSource``).
    public var reconnects: Int = 0
    /// The connection the scan ended on (the fresh one if it replaced the old), as the cluster
    /// sees it; `nil` when none was made.
    public var connection: ConnectionIdentity?
    /// What the scan's clock could prove of the cluster's time (``ClusterClock/offset``), for the
    /// history to keep.
    public var clusterClockOffset: Double?

    public init(startedAt: Date, finishedAt: Date, mode: UsageMode, pools: [PoolScan], failure: ScanFailure? = nil) {
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.mode = mode
        self.pools = pools
        self.failure = failure
    }

    /// Every image measured, pool by pool.
    public var images: [ImageUsage] { pools.flatMap(\.images) }

    /// How a scan ended, as `rbd_meter_scans_total{result}` and the history count it.
    public enum Outcome: String, Sendable, CaseIterable, Codable {
        /// Every pool was scanned to the end.
        case success
        /// Some pools were, others failed.
        case partial
        /// No pool was scanned to the end (or the pools could not even be listed).
        case failure
    }

    public var outcome: Outcome {
        if failure != nil { return .failure }
        if pools.allSatisfy({ $0.failure == nil }) { return .success }
        return pools.contains { $0.failure == nil } ? .partial : .failure
    }

    /// Whether every pool was scanned to the end.
    public var succeeded: Bool { outcome == .success }

    /// Whether the monitors were out of reach, so that the scheduler should back off.
    public var clusterUnreachable: Bool {
        failure?.clusterUnreachable == true || pools.contains { $0.failure?.clusterUnreachable == true }
    }

    /// The first failure of the scan or of a pool.
    public var firstFailure: ScanFailure? { failure ?? pools.lazy.compactMap(\.failure).first }

    public var duration: TimeInterval { finishedAt.timeIntervalSince(startedAt) }
}

/// One pool's part of a scan.
public struct PoolScan: Sendable {
    public var pool: String
    /// The namespaces scanned, "" for the default one.
    public var namespaces: [String]
    public var images: [ImageUsage]
    /// Images listed but not measured.
    public var imageFailures: [ImageFailure]
    /// Set when the pool's scan stopped early; ``images`` then holds what was measured before.
    public var failure: ScanFailure?
    public var duration: TimeInterval
    /// What Ceph itself reports of the pool (`ceph df detail`), when the cluster reports it.
    public var capacity: PoolCapacity?
    /// Images whose numbers were taken over from the previous scan (see ``Scanner``).
    public var reused: Int
    /// Images that librbd opened; the others were decided unchanged from their header alone.
    public var opened: Int = 0
    /// The images in the pool's trash (every scanned namespace), measured like live ones but kept
    /// apart, so that live sums never include them.
    public var trash: [TrashUsage] = []
    /// Trashed images listed but not measured.
    public var trashFailures: [ImageFailure] = []
    /// Whether the pool was not tried at all, because it waits out its backoff after timeouts
    /// (``PoolBackoff``); ``failure`` then repeats the timeout it waits after, which was counted
    /// when it happened.
    public var skipped = false
    /// For a pool scanned again on a fresh connection, the failure it met on the old one first
    /// (see ``ClusterScanSource``); counted like any other.
    public var retriedAfter: ScanFailure?

    public init(
        pool: String, namespaces: [String] = [""], images: [ImageUsage] = [], imageFailures: [ImageFailure] = [],
        failure: ScanFailure? = nil, duration: TimeInterval = 0, capacity: PoolCapacity? = nil, reused: Int = 0
    ) {
        self.pool = pool
        self.namespaces = namespaces
        self.images = images
        self.imageFailures = imageFailures
        self.failure = failure
        self.duration = duration
        self.capacity = capacity
        self.reused = reused
    }
}
