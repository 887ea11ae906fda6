/// Cuts byte ranges of an image into batches of about `objectsPerBatch` objects, one per worker.
struct RangeBatcher: Sendable {
    var objectSize: UInt64
    var objectsPerBatch: UInt64

    private var batchBytes: UInt64 { max(objectSize, 1) * max(objectsPerBatch, 1) }

    /// Objects the ranges touch, counted as if each range started on an object boundary.
    func objectCount(_ ranges: [Range<UInt64>]) -> UInt64 {
        let size = max(objectSize, 1)
        return ranges.reduce(0) { $0 + (UInt64($1.count) + size - 1) / size }
    }

    /// Consecutive batches, each covering at most `objectsPerBatch` objects' worth of bytes.
    ///
    /// Ranges that start and end on object boundaries are cut on object boundaries. Wherever a cut
    /// falls, the diff reports each byte (or object piece) to exactly one worker, so sums stay exact.
    func batches(_ ranges: [Range<UInt64>]) -> [[Range<UInt64>]] {
        var batches: [[Range<UInt64>]] = []
        var current: [Range<UInt64>] = []
        var currentBytes: UInt64 = 0
        for range in ranges {
            var start = range.lowerBound
            while start < range.upperBound {
                let take = min(range.upperBound - start, batchBytes - currentBytes)
                current.append(start..<(start + take))
                currentBytes += take
                start += take
                if currentBytes == batchBytes {
                    batches.append(current)
                    current = []
                    currentBytes = 0
                }
            }
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }
}
