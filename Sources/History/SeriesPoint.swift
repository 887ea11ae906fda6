/// One image's numbers at one point in time, as reports and forecasts read them.
public struct SeriesPoint: Sendable, Equatable {
    /// Seconds since the epoch.
    public var time: Double
    public var provisionedBytes: Double
    public var usedBytes: Double
    public var totalUsedBytes: Double

    public init(time: Double, provisionedBytes: Double, usedBytes: Double, totalUsedBytes: Double) {
        self.time = time
        self.provisionedBytes = provisionedBytes
        self.usedBytes = usedBytes
        self.totalUsedBytes = totalUsedBytes
    }
}
