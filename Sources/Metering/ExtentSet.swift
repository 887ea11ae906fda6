/// Sorted, merged byte ranges, built from extents that arrive in ascending order.
struct ExtentSet: Sendable, Equatable {
    private(set) var ranges: [Range<UInt64>] = []

    /// Adds a range; one that touches or overlaps the last range extends it.
    mutating func insert(_ range: Range<UInt64>) {
        guard !range.isEmpty else { return }
        if let last = ranges.last, range.lowerBound <= last.upperBound, range.lowerBound >= last.lowerBound {
            ranges[ranges.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
        } else {
            ranges.append(range)
        }
    }

    var totalLength: UInt64 { ranges.reduce(0) { $0 + UInt64($1.count) } }
}
