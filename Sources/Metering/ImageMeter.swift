import Foundation
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
    /// How many objects one worker diffs; a larger image, or a larger set of existing objects, is
    /// split into ranges that run on several pool threads at once.
    public var objectsPerRange: UInt64
    /// How long after an image's modify timestamp a measurement must have started for its numbers to
    /// be reused while nothing changed. librbd moves the timestamp at most every
    /// `rbd_mtime_update_interval` (60 s by default), so writes within that window leave it alone;
    /// a measurement that started later than that saw them all.
    /// The modify timestamp is the OSD's time, so the measurement's start is compared on the
    /// cluster's clock, as far as `clock` can prove it (see ``ClusterClock``).
    public var reuseSettleSeconds: Double
    /// How old reused numbers may grow before the image is measured again whatever the signals say:
    /// the bound on what no signal shows (see docs/performance.md, "Incremental scans"). 0: never reused.
    public var fullRescanSeconds: Double
    /// Fed with every OSD stamp this meter reads; shared by the scans whose numbers are reused.
    public var clock: ClusterClock

    public init(
        mode: UsageMode, objectsPerRange: UInt64 = ScanOptions().objectsPerRange, reuseSettleSeconds: Double = ScanOptions().reuseSettleSeconds,
        fullRescanSeconds: Double = ScanOptions().fullRescanSeconds, clock: ClusterClock = ClusterClock()
    ) {
        precondition(objectsPerRange > 0)
        self.mode = mode
        self.objectsPerRange = objectsPerRange
        self.reuseSettleSeconds = reuseSettleSeconds
        self.fullRescanSeconds = fullRescanSeconds
        self.clock = clock
    }

    /// Measures `name` in `context`.
    ///
    /// - Parameters:
    ///   - index: the namespace's object listing, used for images without a usable object map.
    ///   - previous: the image's numbers from the previous scan, reused when neither its size, its
    ///     snapshots nor its modify timestamp changed since.
    ///   - id: the image id from the listing; opening by id saves a request per handle.
    ///   - header: the image's header probe, read before this call; with `previous`, it can spare
    ///     the librbd open altogether (see ``reused(_:id:header:)``).
    ///   - imageHeader: the image's header read through the `rbd` class, read after `header`: it can
    ///     spare the open, from the listing (``countedFromListing(_:header:probe:in:index:)``), the
    ///     object maps (``measuredFromObjectMaps(_:header:probe:in:)``) or the objects' clones
    ///     (``measuredFromClones(_:header:probe:in:index:)``).
    public func measure(
        _ name: String, id: String? = nil, in context: IOContext, index: ObjectIndex? = nil,
        previous: ImageUsage? = nil, header: ObjectProbe? = nil, imageHeader: ImageHeader? = nil
    ) async throws -> ImageUsage {
        var usage = try await measureNumbers(name, id: id, in: context, index: index, previous: previous, header: header, imageHeader: imageHeader)
        usage.changedAt = Self.changedAt(usage, previous: previous)
        return usage
    }

    /// When `usage`'s numbers were first measured: `previous`'s time if it had the same ones.
    static func changedAt(_ usage: ImageUsage, previous: ImageUsage?) -> Date {
        if let previous, let since = previous.changedAt, previous.id == usage.id, previous.provisionedBytes == usage.provisionedBytes,
           previous.usedBytes == usage.usedBytes, previous.totalUsedBytes == usage.totalUsedBytes {
            return since
        }
        return usage.measuredAt
    }

    private func measureNumbers(
        _ name: String, id: String?, in context: IOContext, index: ObjectIndex?,
        previous: ImageUsage?, header: ObjectProbe?, imageHeader: ImageHeader?
    ) async throws -> ImageUsage {
        if let reused = reused(previous, id: id, header: header) { return reused }
        // What the listing did not see, the numbers do not hold: a measurement from a listing made
        // earlier counts from when the listing started.
        var started = Date()
        if let imageHeader, let index,
           let counted = try await countedFromListing(name, header: imageHeader, probe: header, in: context, index: index) {
            return counted
        }
        if let imageHeader, let measured = try await measuredFromObjectMaps(name, header: imageHeader, probe: header, in: context) {
            return measured
        }
        if let imageHeader, let index, let measured = try await measuredFromClones(name, header: imageHeader, probe: header, in: context, index: index) {
            return measured
        }
        let head = try await context.withImage(name, id: id) { image, flag in
            try self.readHead(image, listable: index != nil, previous: previous, flag: flag)
        }
        let info = head.info
        func usage(used: Measurement, total: Measurement) -> ImageUsage {
            ImageUsage(
                pool: context.pool, namespace: context.namespace, image: name, id: info.id,
                provisionedBytes: info.size, usedBytes: used.bytes, totalUsedBytes: total.bytes,
                snapshots: head.snapshots.count, features: info.features, parent: info.parent?.description ?? "",
                method: max(used.method, total.method),
                objectMapInvalid: info.hasInvalidObjectMap,
                kubernetes: KubernetesIdentity(metadata: head.metadata), modifyTimestamp: info.modifyTimestamp,
                objectSize: info.objectSize, mode: mode, measuredAt: started, snapshotIDs: head.snapshots.map(\.id),
                watchers: head.watchers, createTimestamp: info.createTimestamp, parentOverlapBytes: info.parent?.overlap ?? 0,
                headerVersion: header?.version)
        }
        if let previous, head.reusable {
            var reused = usage(
                used: Measurement(bytes: previous.usedBytes, method: previous.method),
                total: Measurement(bytes: previous.totalUsedBytes, method: previous.method))
            reused.measuredAt = previous.measuredAt
            reused.reused = true
            return reused
        }
        if let quick = head.measured {
            return usage(used: quick, total: quick)
        }

        var candidates: [Range<UInt64>]?
        if let index, Self.isListable(info) {
            let listing = try await index.get()
            started = min(started, listing.startedAt)
            let objects = listing.objects[info.blockNamePrefix] ?? []
            if head.snapshots.isEmpty && mode == .object && listing.holdsOnlyHeads(snapshotSequence: nil) {
                // Every listed object is a head object: count it, no request needed.
                let counted = Measurement(bytes: Self.wholeBytes(of: objects, objectSize: info.objectSize, size: info.size), method: .listing)
                return usage(used: counted, total: counted)
            }
            var set = ExtentSet()
            for number in objects { set.insert((number * info.objectSize)..<((number + 1) * info.objectSize)) }
            candidates = set.ranges
        }

        let headFromCreation = Interval(to: nil, from: nil, size: info.size)
        if head.snapshots.isEmpty {
            let used = try await measure(headFromCreation, of: name, layout: info, candidates: candidates, in: context)
            return usage(used: used, total: used)
        }
        async let usedMeasurement = measure(headFromCreation, of: name, layout: info, candidates: candidates, in: context)
        var total = Measurement.zero
        for interval in Interval.chain(snapshots: head.snapshots, headSize: info.size) {
            total = total + (try await measure(interval, of: name, layout: info, candidates: candidates, in: context))
        }
        return usage(used: try await usedMeasurement, total: total)
    }

    /// Whether an image's data objects can be found in the listing of its own namespace: no usable
    /// object map (with one, the map is cheaper), a plain layout (object N holds bytes N × object
    /// size onwards) and no separate data pool.
    static func isListable(_ info: ImageInfo) -> Bool {
        !info.hasUsableFastDiff && info.hasPlainLayout && info.dataPoolID == nil
    }

    /// Whether `previous` still holds for an image whose header now reads `header`, without opening it.
    ///
    /// Everything librbd records about an image (size, snapshots, features, flags, metadata, parent,
    /// locks, the modify timestamp) is a write to its header object, and every write moves the
    /// object's version. Data writes do not touch the header, and not every writer moves the modify
    /// timestamp: the Linux kernel client (krbd, ceph-csi's default) never does, nor does librbd with
    /// `rbd_mtime_update_interval` 0. What every writer does is watch the header while it has the
    /// image mapped or open read-write. So numbers are reused only for an image nobody watches now
    /// and nobody watched when they were measured, whose header has not moved since, and that was
    /// measured after librbd's last recorded write had settled (a librbd client that opened, wrote
    /// and closed between two scans within `rbd_mtime_update_interval` of its last timestamp). An
    /// image in use is measured on every scan.
    func reused(_ previous: ImageUsage?, id: String?, header: ObjectProbe?) -> ImageUsage? {
        guard let previous, let header, previous.id == id, previous.headerVersion == header.version, previous.mode == mode,
              header.watchers == 0, previous.watchers == 0, reusable(previous, modifyTimestamp: previous.modifyTimestamp)
        else { return nil }
        var reused = previous
        reused.watchers = header.watchers
        reused.reused = true
        reused.opened = false
        return reused
    }

    /// Without librbd: an image without snapshots, with a plain layout in its own pool, holds
    /// exactly the data objects of its prefix that the namespace listing found, whatever its
    /// features (with fast-diff, the object map says the same; `rbd du` is the judge in the tests).
    /// Object mode counts them whole; exact mode stats them, as an object never snapshotted holds
    /// its bytes from offset 0 to its length. `nil` for anything else (snapshots, a clone, fancy
    /// striping, a data pool, a migration, a feature this code does not know, metadata beyond one
    /// read, objects that may be snapshot clones): librbd measures those.
    func countedFromListing(
        _ name: String, header: ImageHeader, probe: ObjectProbe?, in context: IOContext, index: ObjectIndex
    ) async throws -> ImageUsage? {
        guard let probe, let info = header.info, header.snapshotIDs.isEmpty, info.dataPoolID == nil, Self.measurableUnopened(header)
        else { return nil }
        let listing = try await index.get()
        guard listing.holdsOnlyHeads(snapshotSequence: header.snapshotSequence) else { return nil }
        let started = min(Date(), listing.startedAt)
        let objects = listing.objects[info.blockNamePrefix] ?? []
        let bytes: UInt64
        switch mode {
        case .object:
            bytes = Self.wholeBytes(of: objects, objectSize: info.objectSize, size: info.size)
        case .exact:
            let lengths = try await context.dataObjectLengths(prefix: info.blockNamePrefix, objects: objects)
            bytes = zip(objects, lengths).reduce(0) { sum, object in
                // An object deleted since the listing holds nothing; a shrink cuts the last one.
                guard let length = object.1 else { return sum }
                return sum + min(length, Self.objectLength(object.0, objectSize: info.objectSize, size: info.size))
            }
        }
        return unopenedUsage(
            name, header: header, probe: probe, in: context, used: bytes, total: bytes, snapshotIDs: [],
            method: .headerListing, measuredAt: started)
    }

    /// Whether `previous` may still be reused: younger than ``fullRescanSeconds``, measured after
    /// its image's last recorded write had settled.
    func reusable(_ previous: ImageUsage, modifyTimestamp: Double) -> Bool {
        Date().timeIntervalSince(previous.measuredAt) < fullRescanSeconds && settled(previous, modifyTimestamp: modifyTimestamp)
    }

    /// Whether `previous` was measured long enough after the image's last recorded write, on the
    /// cluster's clock: the OSD stamped the timestamp, so this host's clock proves nothing about it.
    /// A settle time of 0 turns the rule off.
    private func settled(_ previous: ImageUsage, modifyTimestamp: Double) -> Bool {
        guard reuseSettleSeconds > 0 else { return true }
        guard modifyTimestamp > 0, let measured = clock.earliestClusterTime(at: previous.measuredAt) else { return false }
        return measured >= modifyTimestamp + reuseSettleSeconds
    }

    // MARK: Head

    private struct Head: Sendable {
        var info: ImageInfo
        var snapshots: [SnapshotInfo]
        var metadata: [String: String]
        /// Clients with the image open read-write (see ``ImageUsage/watchers``).
        var watchers: Int
        /// Whether the previous scan's numbers still hold.
        var reusable = false
        /// Set when the image was small or simple enough to measure on the first handle.
        var measured: Measurement?
    }

    private func readHead(_ image: Image, listable: Bool, previous: ImageUsage?, flag: CancellationFlag) throws -> Head {
        let info = try image.info()
        clock.observe(stamp: info.modifyTimestamp)
        // Only user snapshots count, as in `rbd du`: trash, group and mirror snapshots are librbd's own.
        let snapshots = try image.snapshots().filter { $0.namespace == .user }
        // One request to the header object: whether anyone has the image open is worth it on every scan.
        var head = Head(info: info, snapshots: snapshots, metadata: try image.metadata(), watchers: try image.watchers().count)
        // The same rule as ``reused(_:id:header:)``: nobody watching, now or at the measurement.
        if let previous, previous.id == info.id, previous.mode == mode, previous.provisionedBytes == info.size,
           previous.modifyTimestamp == info.modifyTimestamp, previous.snapshotIDs == snapshots.map(\.id),
           head.watchers == 0, previous.watchers == 0, reusable(previous, modifyTimestamp: info.modifyTimestamp)
        {
            head.reusable = true
            return head
        }
        if snapshots.isEmpty && !(listable && Self.isListable(info)) {
            let interval = Interval(to: nil, from: nil, size: info.size)
            if case .done(let measurement) = try start(interval, on: image, layout: info, candidates: nil, flag: flag) {
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

    private func measure(
        _ interval: Interval, of name: String, layout: ImageInfo, candidates: [Range<UInt64>]?, in context: IOContext
    ) async throws -> Measurement {
        let progress = try await context.withImage(name, id: layout.id, snapshot: interval.to) { image, flag in
            try self.start(interval, on: image, layout: layout, candidates: candidates, flag: flag)
        }
        switch progress {
        case .done(let measurement):
            return measurement
        case .split(let ranges, let method):
            let batches = RangeBatcher(objectSize: layout.objectSize, objectsPerBatch: objectsPerRange).batches(ranges)
            let bytes = try await withThrowingTaskGroup(of: UInt64.self) { group in
                for batch in batches {
                    group.addTask {
                        try await context.withImage(name, id: layout.id, snapshot: interval.to) { image, flag in
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
    ///
    /// - Parameter candidates: the byte ranges of the objects the listing found, when the image is
    ///   measured from it; only they can hold data in any snapshot.
    private func start(
        _ interval: Interval, on image: Image, layout head: ImageInfo, candidates: [Range<UInt64>]?, flag: CancellationFlag
    ) throws -> Progress {
        let batcher = RangeBatcher(objectSize: head.objectSize, objectsPerBatch: objectsPerRange)
        // A snapshot has flags of its own: its object map may be invalid while the head's is fine.
        let flags = interval.to == nil ? head.flags : try image.info().flags
        let fastDiff = head.features.contains(.fastDiff)
            && !flags.contains(.fastDiffInvalid) && !flags.contains(.objectMapInvalid)
        guard fastDiff else {
            let ranges = candidates.map { Self.clip($0, to: interval.size) } ?? [0..<interval.size]
            if batcher.objectCount(ranges) <= objectsPerRange {
                let bytes = try allocatedBytes(image, from: interval.from, in: ranges, wholeObject: mode == .object, flag: flag)
                return .done(Measurement(bytes: bytes, method: .diff))
            }
            return .split(ranges, .diff)
        }
        // With a valid object map librbd answers a whole-object diff from the map alone.
        var existing = ExtentSet()
        try image.diffIterate(from: interval.from, offset: 0, length: interval.size, includeParent: false, wholeObject: true) { extent in
            if extent.exists { existing.insert(extent.offset..<(extent.offset + extent.length)) }
            return flag.isCancelled ? .stop : .proceed
        }
        if mode == .object {
            return .done(Measurement(bytes: existing.totalLength, method: .diff))
        }
        // Exact mode asks the OSDs, but only about the objects the map says exist.
        if batcher.objectCount(existing.ranges) <= objectsPerRange {
            let bytes = try allocatedBytes(image, from: interval.from, in: existing.ranges, wholeObject: false, flag: flag)
            return .done(Measurement(bytes: bytes, method: .diff))
        }
        return .split(existing.ranges, .diff)
    }

    /// Bytes of `objects` counted whole in an image of `size` bytes, the last one cut at the size,
    /// as `rbd du` counts them.
    static func wholeBytes(of objects: [UInt64], objectSize: UInt64, size: UInt64) -> UInt64 {
        objects.reduce(0) { sum, object in sum + objectLength(object, objectSize: objectSize, size: size) }
    }

    /// The bytes of `object` inside an image of `size` bytes: 0 past its end.
    static func objectLength(_ object: UInt64, objectSize: UInt64, size: UInt64) -> UInt64 {
        let start = object * objectSize
        return start < size ? min(objectSize, size - start) : 0
    }

    static func clip(_ ranges: [Range<UInt64>], to size: UInt64) -> [Range<UInt64>] {
        ranges.compactMap { range in
            range.lowerBound < size ? range.lowerBound..<min(range.upperBound, size) : nil
        }
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

    static let zero = Measurement(bytes: 0, method: .headerListing)

    static func + (lhs: Measurement, rhs: Measurement) -> Measurement {
        Measurement(bytes: lhs.bytes + rhs.bytes, method: max(lhs.method, rhs.method))
    }
}
