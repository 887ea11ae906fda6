import Foundation

/// Everything `/metrics` shows: the latest good numbers of every pool and how the exporter is doing.
///
/// A scrape renders a snapshot and never waits on Ceph; the ``Scheduler`` replaces the snapshot,
/// whole, after every scan (see ``MeterState``).
public struct MeterSnapshot: Sendable {
    /// Pools by name. A pool whose latest scan failed keeps its previous numbers, marked stale.
    public var pools: [String: PoolState]
    /// Whether the latest attempt to reach the cluster succeeded.
    public var up: Bool
    /// The mode of the latest scan.
    public var mode: UsageMode?
    /// When the latest scan ended, successful or not.
    public var lastAttemptAt: Date?
    /// When the latest scan ended that reached every pool.
    public var lastSuccessAt: Date?
    /// When a scan last brought fresh numbers for at least one pool; readiness is judged by it.
    public var lastDataAt: Date?
    /// Failed pool scans (and scans that failed before reaching a pool, under pool "") by reason.
    public var scanErrors: [ErrorKey: UInt64]
    /// Images that were listed but not measured, by pool and reason.
    public var imageScanErrors: [ErrorKey: UInt64]
    /// Scans by outcome.
    public var scans: [ScanReport.Outcome: UInt64]
    /// Scans begun; one more than those counted by outcome while a scan runs.
    public var scansStarted: UInt64
    /// Scans that could not be written to the history database.
    public var historyErrors: UInt64
    /// Whether the history database is open and took the latest scan (true from its opening until
    /// a write fails).
    public var historyAvailable: Bool
    /// Seconds the latest scan took to write to the history.
    public var historyWriteSeconds: Double?
    /// Times the cluster connection was replaced because a fresh one was answered where it timed out.
    public var reconnects: UInt64
    /// The Ceph client the latest scan used: what `ceph osd blocklist ls` and the monitors'
    /// session lists show for it.
    public var connection: ConnectionIdentity?
    /// Bumped on every change, so that renderings can be cached per snapshot.
    public var version: UInt64

    public init() {
        pools = [:]
        up = false
        scanErrors = [:]
        imageScanErrors = [:]
        scans = [:]
        scansStarted = 0
        historyErrors = 0
        historyAvailable = false
        reconnects = 0
        version = 0
    }

    /// A counter's labels.
    public struct ErrorKey: Sendable, Hashable, Comparable {
        public var pool: String
        public var reason: ScanFailure.Reason

        public init(pool: String, reason: ScanFailure.Reason) {
            self.pool = pool
            self.reason = reason
        }

        public static func < (lhs: ErrorKey, rhs: ErrorKey) -> Bool {
            (lhs.pool, lhs.reason) < (rhs.pool, rhs.reason)
        }
    }

    /// Whether a scan has completed since the process started.
    public var hasData: Bool { lastSuccessAt != nil || !pools.isEmpty }
}

/// One pool's latest numbers.
public struct PoolState: Sendable {
    public var pool: String
    /// Its images, sorted by namespace and name.
    public var images: [ImageUsage]
    /// Its namespaces, "" for the default one.
    public var namespaces: [String]
    /// What Ceph reports of the pool (stored bytes, quota), when it does.
    public var capacity: PoolCapacity?
    /// How long the latest scan of the pool took, failed or not.
    public var scanDuration: TimeInterval
    /// When the pool was last scanned to the end.
    public var lastSuccessAt: Date?
    /// Whether ``images`` come from an earlier scan than the latest one, which failed for this pool.
    public var stale: Bool
    /// Images whose numbers the latest scan took over from the one before (incremental scans).
    public var reused: Int
    /// Images the latest scan opened with librbd (see ``PoolScan/opened``).
    public var opened: Int = 0
    /// The images in its trash, sorted by namespace, name and id; never part of ``images``.
    public var trash: [TrashUsage] = []

    public init(
        pool: String, images: [ImageUsage] = [], namespaces: [String] = [""], capacity: PoolCapacity? = nil,
        scanDuration: TimeInterval = 0, lastSuccessAt: Date? = nil, stale: Bool = false, reused: Int = 0
    ) {
        self.pool = pool
        self.images = images
        self.namespaces = namespaces
        self.capacity = capacity
        self.scanDuration = scanDuration
        self.lastSuccessAt = lastSuccessAt
        self.stale = stale
        self.reused = reused
    }
}
