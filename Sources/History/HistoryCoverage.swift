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

/// The observed time of a period, image by image: what chargeback integrates.
public struct HistoryCoverage: Sendable {
    /// The images, by a reference that is unique within this coverage only.
    public var images: [Int64: ImageRecord]
    public var spans: [Int64: [CoveredSpan]]

    public init(images: [Int64: ImageRecord], spans: [Int64: [CoveredSpan]]) {
        self.images = images
        self.spans = spans
    }
}
