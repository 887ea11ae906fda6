import Foundation
import RBD

extension ImageMeter {
    /// Without librbd: an image with fast-diff, measured from its object maps, read directly with
    /// its snapshots' metadata (``IOContext/readObjectMaps(of:window:)``), by the rule librbd's
    /// fast-diff follows (``ObjectMapDiff``): what each user snapshot adds over the one before, and
    /// the head over the last, as `rbd du` lists them. Exact mode then lists the clones of the
    /// objects the maps say changed, each once for every interval (``ExactObjectDiff``).
    ///
    /// `nil`, for librbd to measure, for anything that rule does not cover (see
    /// ``usageFromObjectMaps(_:in:)``), a migration, an unknown feature, metadata beyond one read.
    /// A timeout or a cancellation is thrown: librbd would meet the same.
    func measuredFromObjectMaps(
        _ name: String, header: ImageHeader, probe: ObjectProbe?, in context: IOContext
    ) async throws -> ImageUsage? {
        guard let probe, Self.measurableUnopened(header) else { return nil }
        let started = Date()
        guard let measured = try await usageFromObjectMaps(header, in: context) else { return nil }
        return unopenedUsage(
            name, header: header, probe: probe, in: context, used: measured.used, total: measured.total,
            snapshotIDs: measured.snapshotIDs, method: .objectMap, measuredAt: started)
    }

    /// Measures the image whose header reads `header` from its object maps, in this meter's mode;
    /// `nil` where librbd would not answer from the maps (no fast-diff, a clone, fancy striping, a
    /// flag that says a map is invalid, an interval's end without one, a map too small; in exact
    /// mode, a separate data pool), for librbd to measure it.
    public func usageFromObjectMaps(_ header: ImageHeader, in context: IOContext) async throws -> DirectUsage? {
        // A clone's or a striped image's maps would need the parent or the layout (librbd's case).
        guard let info = header.info, info.hasUsableFastDiff, mode == .object || info.dataPoolID == nil else { return nil }
        let maps: ImageObjectMaps
        do {
            maps = try await context.readObjectMaps(of: header)
        } catch let error as RBDError where ![.timedOut, .cancelled, .blocklisted].contains(error.kind) {
            return nil
        }
        guard let plan = Self.plan(maps, header: header) else { return nil }
        // In exact mode each object's clones tell every interval at once: one request per object
        // that changed anywhere; object mode needs nothing more than the maps.
        let clones = mode == .exact ? try await clones(of: plan, prefix: header.blockNamePrefix, in: context) : nil
        return usage(plan, objectSize: header.objectSize, clones: clones)
    }

    /// The intervals of `rbd du` for an image whose header reads `header`, from its `maps`; `nil`
    /// where librbd would not use the maps.
    static func plan(_ maps: ImageObjectMaps, header: ImageHeader) -> Plan? {
        let untrusted: ImageFlags = [.fastDiffInvalid, .objectMapInvalid]
        guard header.flags.isDisjoint(with: untrusted) else { return nil }
        let diff = ObjectMapDiff(objectSize: header.objectSize)
        let head = ObjectMapDiff.Version(map: maps.head, size: header.size)
        // librbd walks every snapshot between the ends of an interval, user or not; one whose map
        // is gone was removed since and merged into the next.
        var versions: [(id: UInt64, user: Bool, version: ObjectMapDiff.Version)] = []
        for snapshot in maps.snapshots {
            guard snapshot.flags.isDisjoint(with: untrusted) else { return nil }
            guard let map = maps.snapshotMaps[snapshot.info.id] else { continue }
            versions.append((snapshot.info.id, snapshot.info.namespace == .user, .init(map: map, size: snapshot.info.size)))
        }
        let user = maps.snapshots.filter { $0.info.namespace == .user }.map(\.info.id)
        // Every user snapshot is an end of an interval: without its map, librbd would not use the maps.
        guard user.allSatisfy({ maps.snapshotMaps[$0] != nil }) else { return nil }

        var intervals: [Plan.Interval] = []
        var start: (id: UInt64, version: ObjectMapDiff.Version)?
        for end in versions.filter(\.user) + [(id: SnapSet.head, user: true, version: head)] {
            let steps = start.map { start in versions.filter { $0.id > start.id && $0.id < end.id }.map(\.version) } ?? []
            guard let objects = diff.changedObjects(from: start?.version, steps: steps + [end.version]) else { return nil }
            intervals.append(Plan.Interval(from: start?.id ?? 0, to: end.id, size: end.version.size, objects: objects))
            start = (end.id, end.version)
        }
        guard let existing = diff.changedObjects(from: nil, steps: [head]) else { return nil }
        return Plan(
            intervals: intervals, fromCreation: Plan.Interval(from: 0, to: SnapSet.head, size: header.size, objects: existing),
            snapshotIDs: user)
    }
}
