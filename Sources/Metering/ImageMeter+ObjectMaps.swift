import Foundation
import RBD

extension ImageMeter {
    /// Without librbd: an image with fast-diff, measured in object mode from its object maps, read
    /// directly with its snapshots' metadata (``IOContext/readObjectMaps(of:window:)``), by the rule
    /// librbd's fast-diff follows (``ObjectMapDiff``): what each user snapshot adds over the one
    /// before, and the head over the last, as `rbd du` lists them.
    ///
    /// `nil`, for librbd to measure, for anything that rule does not cover: exact mode, a clone or
    /// fancy striping (no ``ImageHeader/info``), a map or flag librbd would not trust, a missing map
    /// at either end of an interval, a migration, an unknown feature, metadata beyond one read.
    /// A timeout or a cancellation is thrown: librbd would meet the same.
    func measuredFromObjectMaps(
        _ name: String, header: ImageHeader, probe: ObjectProbe?, in context: IOContext
    ) async throws -> ImageUsage? {
        guard mode == .object, let probe, let info = header.info, info.hasUsableFastDiff, header.metadataComplete,
              !info.features.contains(.migrating), ImageFeatures.known.isSuperset(of: header.incompatibleFeatures)
        else { return nil }
        let started = Date()
        let maps: ImageObjectMaps
        do {
            maps = try await context.readObjectMaps(of: header)
        } catch let error as RBDError where ![.timedOut, .cancelled, .blocklisted].contains(error.kind) {
            return nil
        }
        guard let measured = Self.mapUsage(maps, header: header) else { return nil }
        return unopenedUsage(
            name, header: header, probe: probe, in: context, used: measured.used, total: measured.total,
            snapshotIDs: measured.snapshotIDs, method: .objectMap, measuredAt: started)
    }

    /// What `rbd du` lists of an image (object mode), computed from its object maps.
    public struct MapUsage: Sendable, Equatable {
        /// What each user snapshot adds over the one before, oldest first, then the head over the
        /// last: `rbd du`'s rows.
        public var rows: [UInt64]
        /// The head's bytes from the image's creation.
        public var used: UInt64
        /// The user snapshots' ids, oldest first.
        public var snapshotIDs: [UInt64]

        /// `rbd du --merge-snapshots`.
        public var total: UInt64 { rows.reduce(0, +) }
    }

    /// The image's usage from `maps`, read for the image whose header reads `header`; `nil` where
    /// librbd would not answer from the maps (a clone, fancy striping, a flag that says a map is
    /// invalid, an interval's end without one, a map too small), for librbd to measure it.
    public static func mapUsage(_ maps: ImageObjectMaps, header: ImageHeader) -> MapUsage? {
        // A clone's or a striped image's maps would need the parent or the layout (librbd's case).
        guard let info = header.info, info.hasUsableFastDiff else { return nil }
        let untrusted: ImageFlags = [.fastDiffInvalid, .objectMapInvalid]
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

        var rows: [UInt64] = []
        var start: (id: UInt64, version: ObjectMapDiff.Version)?
        for end in versions.filter(\.user) + [(id: UInt64.max, user: true, version: head)] {
            let steps = start.map { start in versions.filter { $0.id > start.id && $0.id < end.id }.map(\.version) } ?? []
            guard let bytes = diff.changedBytes(from: start?.version, steps: steps + [end.version]) else { return nil }
            rows.append(bytes)
            start = (end.id, end.version)
        }
        guard let used = diff.changedBytes(from: nil, steps: [head]) else { return nil }
        return MapUsage(rows: rows, used: used, snapshotIDs: user)
    }

    /// The usage of an image measured without an open, from what its header says.
    func unopenedUsage(
        _ name: String, header: ImageHeader, probe: ObjectProbe, in context: IOContext, used: UInt64, total: UInt64,
        snapshotIDs: [UInt64], method: MeteringMethod, measuredAt: Date
    ) -> ImageUsage {
        ImageUsage(
            pool: context.pool, namespace: context.namespace, image: name, id: header.id,
            provisionedBytes: header.size, usedBytes: used, totalUsedBytes: total, snapshots: snapshotIDs.count,
            features: header.features, method: method,
            objectMapInvalid: header.features.contains(.objectMap) && !header.flags.isDisjoint(with: [.objectMapInvalid, .fastDiffInvalid]),
            kubernetes: KubernetesIdentity(metadata: header.metadata), modifyTimestamp: header.modifyTimestamp,
            objectSize: header.objectSize, mode: mode, measuredAt: measuredAt, snapshotIDs: snapshotIDs, watchers: probe.watchers,
            createTimestamp: header.createTimestamp, opened: false, headerVersion: probe.version)
    }
}
