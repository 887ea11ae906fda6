/// What incremental scans carry from one to the next: each image's latest numbers with the signals
/// they were measured at (header version, watchers, modify timestamp, when), and the bound on the
/// cluster's clock (``ClusterClock``). The history keeps it, so that a restarted daemon's first
/// scan reuses what has not changed instead of measuring every image again.
public struct ReuseMemory: Sendable, Equatable {
    /// By ``ImageUsage/spec``.
    public var images: [String: ImageUsage]
    public var clusterClockOffset: Double?

    public init(images: [String: ImageUsage] = [:], clusterClockOffset: Double? = nil) {
        self.images = images
        self.clusterClockOffset = clusterClockOffset
    }
}
