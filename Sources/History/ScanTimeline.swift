/// The scans one exporter made in a period. Shards scan on their own clocks, so each keeps its own
/// timeline: an image is current when its own shard's latest scan saw it, and a gap is judged by
/// its own shard's pace.
public struct ScanTimeline: Sendable, Equatable {
    /// When the scans ended, in order, in seconds since the epoch.
    public var scanTimes: [Double]
    /// How long the scans take numbers to hold.
    public var policy: ObservationPolicy

    public init(scanTimes: [Double]) {
        self.scanTimes = scanTimes.sorted()
        policy = ObservationPolicy(scanTimes: scanTimes)
    }

    /// The latest scan of the period.
    public var lastScan: Double? { scanTimes.last }
}
