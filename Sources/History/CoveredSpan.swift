/// One image's numbers over a stretch of time during which they were observed.
public struct CoveredSpan: Sendable, Equatable {
    public var from: Double
    public var to: Double
    public var provisionedBytes: Double
    public var usedBytes: Double
    public var totalUsedBytes: Double

    public init(from: Double, to: Double, provisionedBytes: Double, usedBytes: Double, totalUsedBytes: Double) {
        self.from = from
        self.to = to
        self.provisionedBytes = provisionedBytes
        self.usedBytes = usedBytes
        self.totalUsedBytes = totalUsedBytes
    }
}
