/// One image's numbers at one point in time, as reports and forecasts read them.
public struct SeriesPoint: Sendable, Equatable {
    /// Seconds since the epoch.
    public var time: Double
    public var provisionedBytes: Double
    public var usedBytes: Double
    public var totalUsedBytes: Double
    /// Whether the image was observed without a break from this point to the next: the first point
    /// of a run of scans that saw the same numbers, or an hourly roll-up followed by the next hour.
    /// Otherwise the time after the point holds only for as long as scans come at their usual pace.
    public var continuesToNext: Bool

    public init(time: Double, provisionedBytes: Double, usedBytes: Double, totalUsedBytes: Double, continuesToNext: Bool = false) {
        self.time = time
        self.continuesToNext = continuesToNext
        self.provisionedBytes = provisionedBytes
        self.usedBytes = usedBytes
        self.totalUsedBytes = totalUsedBytes
    }
}
