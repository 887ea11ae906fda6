/// One image's numbers over a stretch of time during which they were observed.
public struct CoveredSpan: Sendable, Equatable {
    public var from: Double
    public var to: Double
    /// The last observation within the span: `to` less the tail a span keeps after its last scan
    /// (the typical time between scans). Which source observed an image when is judged from
    /// observations alone, as ``HistoryExtract``'s points are.
    public var observedUntil: Double
    public var provisionedBytes: Double
    public var usedBytes: Double
    public var totalUsedBytes: Double

    public init(from: Double, to: Double, observedUntil: Double? = nil, provisionedBytes: Double, usedBytes: Double, totalUsedBytes: Double) {
        self.from = from
        self.to = to
        self.observedUntil = min(max(observedUntil ?? to, from), to)
        self.provisionedBytes = provisionedBytes
        self.usedBytes = usedBytes
        self.totalUsedBytes = totalUsedBytes
    }
}
