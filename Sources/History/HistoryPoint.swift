/// An image's numbers over a stretch of time, at the finest resolution history still has for it.
public struct HistoryPoint: Sendable, Equatable {
    public enum Resolution: String, Sendable {
        /// One sample: the numbers were the same in every scan from `from` to `to`.
        case raw
        /// An hourly or daily roll-up: averages (and maxima) over the bucket.
        case hour, day
    }

    public var resolution: Resolution
    /// Seconds since the epoch.
    public var from: Double
    public var to: Double
    public var imageID: String
    public var provisionedBytes: Int64
    /// For roll-ups, the time-weighted average over the bucket.
    public var usedBytes: Double
    public var totalUsedBytes: Double
    /// For roll-ups, the maxima over the bucket; the same as the values for raw samples.
    public var usedMaximum: Int64
    public var totalUsedMaximum: Int64

    public init(
        resolution: Resolution, from: Double, to: Double, imageID: String, provisionedBytes: Int64, usedBytes: Double, totalUsedBytes: Double,
        usedMaximum: Int64, totalUsedMaximum: Int64
    ) {
        self.resolution = resolution
        self.from = from
        self.to = to
        self.imageID = imageID
        self.provisionedBytes = provisionedBytes
        self.usedBytes = usedBytes
        self.totalUsedBytes = totalUsedBytes
        self.usedMaximum = usedMaximum
        self.totalUsedMaximum = totalUsedMaximum
    }
}
