import RBD

/// Measures one image's provisioned, used and total-used bytes with the cheapest method its features
/// allow (see ``MeteringMethod``).
///
/// Every measurement opens fresh read-only handles: a read-only handle hears of no resize or new
/// snapshot. A diff ends at the snapshot its handle reads, so each snapshot gets its own handle, and
/// every worker of a split image its own as well.
public struct ImageMeter: Sendable {
    /// Whole objects or byte extents.
    public var mode: UsageMode
    /// How many objects one worker diffs; a larger image, or a larger set of existing objects in exact
    /// mode, is split into ranges that run on several pool threads at once.
    public var objectsPerRange: UInt64

    public init(mode: UsageMode, objectsPerRange: UInt64 = 1024) {
        precondition(objectsPerRange > 0)
        self.mode = mode
        self.objectsPerRange = objectsPerRange
    }

    /// Measures `name` in `context`.
    public func measure(_ name: String, in context: IOContext) async throws -> ImageUsage {
        let head = try await context.withImage(name) { image, flag in
            try self.readHead(image, flag: flag)
        }
        let info = head.info
        var used: Measurement
        var total: Measurement
        let headFromCreation = Interval(to: nil, from: nil, size: info.size)
        if let quick = head.measured {
            used = quick
            total = quick
        } else if head.snapshots.isEmpty {
            used = try await measure(headFromCreation, of: name, layout: info, in: context)
            total = used
        } else {
            async let usedMeasurement = measure(headFromCreation, of: name, layout: info, in: context)
            total = .zero
            for interval in Interval.chain(snapshots: head.snapshots, headSize: info.size) {
                total = total + (try await measure(interval, of: name, layout: info, in: context))
            }
            used = try await usedMeasurement
        }
        return ImageUsage(
            pool: context.pool,
            namespace: context.namespace,
            image: name,
            id: info.id,
            provisionedBytes: info.size,
            usedBytes: used.bytes,
            totalUsedBytes: total.bytes,
            snapshots: head.snapshots.count,
            features: info.features,
            parent: info.parent?.description ?? "",
            method: max(used.method, total.method),
            objectMapInvalid: info.features.contains(.objectMap)
                && (info.flags.contains(.objectMapInvalid) || info.flags.contains(.fastDiffInvalid)),
            kubernetes: KubernetesIdentity(metadata: head.metadata),
            modifyTimestamp: info.modifyTimestamp,
            objectSize: info.objectSize
        )
    }

    // MARK: Head

    private struct Head: Sendable {
        var info: ImageInfo
        var snapshots: [SnapshotInfo]
        var metadata: [String: String]
        /// Set when the image was small or simple enough to measure on the first handle.
        var measured: Measurement?
    }

    private func readHead(_ image: Image, flag: CancellationFlag) throws -> Head {
        let info = try image.info()
        // Only user snapshots count, as in `rbd du`: trash, group and mirror snapshots are librbd's own.
        let snapshots = try image.snapshots().filter { $0.namespace == .user }
        var head = Head(info: info, snapshots: snapshots, metadata: try image.metadata(), measured: nil)
        if snapshots.isEmpty {
            let interval = Interval(to: nil, from: nil, size: info.size)
            if case .done(let measurement) = try start(interval, on: image, layout: info, flag: flag) {
                head.measured = measurement
            }
        }
        return head
    }

    // MARK: Intervals

    /// What one snapshot (or the head) adds over the one before it.
    struct Interval: Sendable, Equatable {
        /// The snapshot read, `nil` for the head.
        var to: String?
        /// The snapshot the diff starts from, `nil` for the image's creation.
        var from: String?
        /// The image size at `to`.
        var size: UInt64

        /// The user snapshots in order and then the head, each from the one before.
        static func chain(snapshots: [SnapshotInfo], headSize: UInt64) -> [Interval] {
            var intervals: [Interval] = []
            var previous: String?
            for snapshot in snapshots {
                intervals.append(Interval(to: snapshot.name, from: previous, size: snapshot.size))
                previous = snapshot.name
            }
            intervals.append(Interval(to: nil, from: previous, size: headSize))
            return intervals
        }
    }

    private enum Progress: Sendable {
        case done(Measurement)
        /// Ranges still to diff, split among workers.
        case split([Range<UInt64>], MeteringMethod)
    }

    private func measure(_ interval: Interval, of name: String, layout: ImageInfo, in context: IOContext) async throws -> Measurement {
        let progress = try await context.withImage(name, snapshot: interval.to) { image, flag in
            try self.start(interval, on: image, layout: layout, flag: flag)
        }
        switch progress {
        case .done(let measurement):
            return measurement
        case .split(let ranges, let method):
            let batches = RangeBatcher(objectSize: layout.objectSize, objectsPerBatch: objectsPerRange).batches(ranges)
            let bytes = try await withThrowingTaskGroup(of: UInt64.self) { group in
                for batch in batches {
                    group.addTask {
                        try await context.withImage(name, snapshot: interval.to) { image, flag in
                            try self.allocatedBytes(image, from: interval.from, in: batch, wholeObject: self.mode == .object, flag: flag)
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            return Measurement(bytes: bytes, method: method)
        }
    }

    /// Measures what can be measured on this one handle, and says what is left to split.
    private func start(_ interval: Interval, on image: Image, layout head: ImageInfo, flag: CancellationFlag) throws -> Progress {
        let batcher = RangeBatcher(objectSize: head.objectSize, objectsPerBatch: objectsPerRange)
        // A snapshot has flags of its own: its object map may be invalid while the head's is fine.
        let flags = interval.to == nil ? head.flags : try image.info().flags
        let fastDiff = head.features.contains(.fastDiff)
            && !flags.contains(.fastDiffInvalid) && !flags.contains(.objectMapInvalid)
        guard fastDiff else {
            let whole = [0..<interval.size]
            if batcher.objectCount(whole) <= objectsPerRange {
                let bytes = try allocatedBytes(image, from: interval.from, in: whole, wholeObject: mode == .object, flag: flag)
                return .done(Measurement(bytes: bytes, method: .diff))
            }
            return .split(whole, .diff)
        }
        // With a valid object map librbd answers a whole-object diff from the map alone.
        var existing = ExtentSet()
        try image.diffIterate(from: interval.from, offset: 0, length: interval.size, includeParent: false, wholeObject: true) { extent in
            if extent.exists { existing.insert(extent.offset..<(extent.offset + extent.length)) }
            return flag.isCancelled ? .stop : .proceed
        }
        if mode == .object {
            return .done(Measurement(bytes: existing.totalLength, method: .objectMap))
        }
        // Exact mode asks the OSDs, but only about the objects the map says exist.
        if batcher.objectCount(existing.ranges) <= objectsPerRange {
            let bytes = try allocatedBytes(image, from: interval.from, in: existing.ranges, wholeObject: false, flag: flag)
            return .done(Measurement(bytes: bytes, method: .objectMap))
        }
        return .split(existing.ranges, .objectMap)
    }

    private func allocatedBytes(
        _ image: Image, from: String?, in ranges: [Range<UInt64>], wholeObject: Bool, flag: CancellationFlag
    ) throws -> UInt64 {
        var bytes: UInt64 = 0
        for range in ranges where !range.isEmpty {
            try image.diffIterate(
                from: from, offset: range.lowerBound, length: UInt64(range.count),
                includeParent: false, wholeObject: wholeObject
            ) { extent in
                if extent.exists { bytes += extent.length }
                return flag.isCancelled ? .stop : .proceed
            }
        }
        return bytes
    }
}

/// Bytes and the dearest method that contributed to them.
struct Measurement: Sendable, Equatable {
    var bytes: UInt64
    var method: MeteringMethod

    static let zero = Measurement(bytes: 0, method: .objectMap)

    static func + (lhs: Measurement, rhs: Measurement) -> Measurement {
        Measurement(bytes: lhs.bytes + rhs.bytes, method: max(lhs.method, rhs.method))
    }
}
