import Foundation
import RBD

extension ImageMeter {
    /// Without librbd: an image without a usable object map (layering-only, as ceph-csi creates
    /// them for the kernel client) whose objects the namespace listing may not tell apart from
    /// snapshot clones, because it has snapshots or the pool holds clones: its snapshots' metadata
    /// from the header, then one clone listing (`list_snaps`) per object of its prefix that the
    /// listing found, which answers every interval of `rbd du` at once, by the rule librbd's diff
    /// follows for each (``ExactObjectDiff``). librbd opens the image once per snapshot and asks
    /// every object again for each.
    ///
    /// `nil`, for librbd to measure, for a clone, fancy striping, a data pool, an image with a
    /// usable object map (the maps are cheaper), or what ``measurableUnopened(_:)`` refuses.
    func measuredFromClones(
        _ name: String, header: ImageHeader, probe: ObjectProbe?, in context: IOContext, index: ObjectIndex
    ) async throws -> ImageUsage? {
        guard let probe, Self.measurableUnopened(header) else { return nil }
        let started = Date()
        guard let measured = try await usageFromClones(header, in: context, index: index) else { return nil }
        return unopenedUsage(
            name, header: header, probe: probe, in: context, used: measured.usage.used, total: measured.usage.total,
            snapshotIDs: measured.usage.snapshotIDs, method: .listing, measuredAt: min(started, measured.listedAt))
    }

    /// Measures the image whose header reads `header` from the namespace listing and its objects'
    /// clones, in this meter's mode, with when the listing began (what it did not see, the numbers
    /// do not hold); `nil` where this path does not apply (see
    /// ``measuredFromClones(_:header:probe:in:index:)``).
    public func usageFromClones(
        _ header: ImageHeader, in context: IOContext, index: ObjectIndex
    ) async throws -> (usage: DirectUsage, listedAt: Date)? {
        guard let info = header.info, Self.isListable(info) else { return nil }
        let snapshots: [SnapshotHeader]
        do {
            snapshots = try await context.readSnapshots(of: header)
        } catch let error as RBDError where ![.timedOut, .cancelled, .blocklisted].contains(error.kind) {
            return nil
        }
        let listing = try await index.get()
        let plan = Self.plan(snapshots: snapshots, listed: listing.objects[info.blockNamePrefix] ?? [], header: header)
        let clones = try await clones(of: plan, prefix: info.blockNamePrefix, in: context)
        return (usage(plan, objectSize: info.objectSize, clones: clones), listing.startedAt)
    }

    /// The intervals of `rbd du` for an image whose header reads `header`: every listed object
    /// inside the version's size may have changed in each (librbd's diff asks them all).
    static func plan(snapshots: [SnapshotHeader], listed: [UInt64], header: ImageHeader) -> Plan {
        func objects(within size: UInt64) -> [UInt64] { listed.filter { $0 * header.objectSize < size } }
        let user = snapshots.filter { $0.info.namespace == .user }.map(\.info)
        var intervals: [Plan.Interval] = []
        var from: UInt64 = 0
        for (id, size) in user.map({ ($0.id, $0.size) }) + [(SnapSet.head, header.size)] {
            intervals.append(Plan.Interval(from: from, to: id, size: size, objects: objects(within: size)))
            from = id
        }
        return Plan(
            intervals: intervals, fromCreation: Plan.Interval(from: 0, to: SnapSet.head, size: header.size, objects: objects(within: header.size)),
            snapshotIDs: user.map(\.id))
    }
}
