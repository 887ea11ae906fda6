import Foundation
import RBD

/// What the paths that measure an image without opening it share: the intervals of `rbd du`, the
/// bytes in them, the usage built from the header.
extension ImageMeter {
    /// What `rbd du` lists of an image, measured without librbd.
    public struct DirectUsage: Sendable, Equatable {
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

    /// Which objects each interval of `rbd du` may hold data in.
    struct Plan {
        struct Interval {
            /// The snapshot the interval starts after, 0 for the image's creation.
            var from: UInt64
            /// The snapshot it ends at, ``SnapSet/head`` for the head.
            var to: UInt64
            /// The image size at `to`.
            var size: UInt64
            /// The objects whose data may have changed in it.
            var objects: [UInt64]
        }

        /// One per user snapshot, oldest first, then the head.
        var intervals: [Interval]
        /// The head from the image's creation.
        var fromCreation: Interval
        var snapshotIDs: [UInt64]
    }

    /// The usage `plan` describes: whole objects by the maps alone (`clones` `nil`), or by each
    /// object's clones, whole or exact by this meter's mode, as librbd's diff reads them.
    func usage(_ plan: Plan, objectSize: UInt64, clones: [UInt64: SnapSet]?) -> DirectUsage {
        func bytes(_ interval: Plan.Interval) -> UInt64 {
            guard let clones else { return Self.wholeBytes(of: interval.objects, objectSize: objectSize, size: interval.size) }
            return interval.objects.reduce(0) { sum, object in
                guard let set = clones[object] else { return sum }
                let length = Self.objectLength(object, objectSize: objectSize, size: interval.size)
                return sum + ExactObjectDiff.dataBytes(set, from: interval.from, to: interval.to, within: length, wholeObject: mode == .object)
            }
        }
        return DirectUsage(rows: plan.intervals.map(bytes), used: bytes(plan.fromCreation), snapshotIDs: plan.snapshotIDs)
    }

    /// The clones of every object of `plan`'s intervals, listed once for all of them; an object
    /// that no longer exists has none.
    func clones(of plan: Plan, prefix: String, in context: IOContext) async throws -> [UInt64: SnapSet] {
        let objects = Set((plan.intervals + [plan.fromCreation]).flatMap(\.objects)).sorted()
        let sets = try await context.snapSets(prefix: prefix, objects: objects)
        return zip(objects, sets).reduce(into: [:]) { clones, pair in
            if let set = pair.1 { clones[pair.0] = set }
        }
    }

    /// Whether what the header read tells suffices to measure an image without an open: no
    /// migration, no feature this code does not know, every metadata key (for the labels).
    static func measurableUnopened(_ header: ImageHeader) -> Bool {
        header.metadataComplete && !header.features.contains(.migrating) && ImageFeatures.known.isSuperset(of: header.incompatibleFeatures)
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
