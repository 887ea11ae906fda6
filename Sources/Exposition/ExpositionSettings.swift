import Metering

/// What `/metrics` shows beyond the snapshot itself.
public struct ExpositionSettings: Sendable, Equatable {
    /// Pools whose images are exported one by one; the others only as namespace and pool totals,
    /// which keeps the number of series in check on pools with many thousands of images.
    public var perImagePools: GlobFilter
    /// The configured time between scans, exported so that staleness alerts can scale with it.
    public var scanIntervalSeconds: Double
    /// rbd-meter's version, for `rbd_meter_build_info`.
    public var version: String
    /// The shard this instance meters (``ScanOptions/shard``), exported so that alerts see a shard
    /// that stops reporting; `nil` when it meters every image.
    public var shard: Shard?

    public init(perImagePools: GlobFilter = .all, scanIntervalSeconds: Double = Scheduler.Timing().interval.inSeconds, version: String = RBDMeterVersion.current, shard: Shard? = nil) {
        self.perImagePools = perImagePools
        self.scanIntervalSeconds = scanIntervalSeconds
        self.version = version
        self.shard = shard
    }
}

/// rbd-meter's version.
public enum RBDMeterVersion {
    public static let current = "0.1.0"
}
