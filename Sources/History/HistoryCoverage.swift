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
