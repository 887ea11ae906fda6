/// Sorted, merged byte ranges.
struct ExtentSet: Sendable, Equatable {
    private(set) var ranges: [Range<UInt64>] = []

    init() {}

    init(_ range: Range<UInt64>) { insert(range) }

    /// Adds a range, merging it with those it touches or overlaps; cheapest in ascending order.
    mutating func insert(_ range: Range<UInt64>) {
        guard !range.isEmpty else { return }
        if ranges.isEmpty || range.lowerBound > ranges[ranges.count - 1].upperBound {
            ranges.append(range)
            return
        }
        var merged = range
        var kept: [Range<UInt64>] = []
        kept.reserveCapacity(ranges.count + 1)
        var placed = false
        for existing in ranges {
            if existing.upperBound < merged.lowerBound {
                kept.append(existing)
            } else if existing.lowerBound > merged.upperBound {
                if !placed { kept.append(merged); placed = true }
                kept.append(existing)
            } else {
                merged = min(existing.lowerBound, merged.lowerBound)..<max(existing.upperBound, merged.upperBound)
            }
        }
        if !placed { kept.append(merged) }
        ranges = kept
    }

    mutating func formUnion(_ other: ExtentSet) {
        for range in other.ranges { insert(range) }
    }

    /// Takes `range` out, splitting a range it falls inside.
    mutating func remove(_ range: Range<UInt64>) {
        guard !range.isEmpty else { return }
        ranges = ranges.flatMap { existing -> [Range<UInt64>] in
            guard existing.overlaps(range) else { return [existing] }
            return [existing.lowerBound..<max(existing.lowerBound, range.lowerBound), min(existing.upperBound, range.upperBound)..<existing.upperBound]
                .filter { !$0.isEmpty }
        }
    }

    var totalLength: UInt64 { ranges.reduce(0) { $0 + UInt64($1.count) } }

    /// Bytes of the set below `end`.
    func length(below end: UInt64) -> UInt64 {
        ranges.reduce(0) { sum, range in sum + (range.lowerBound < end ? min(range.upperBound, end) - range.lowerBound : 0) }
    }
}
