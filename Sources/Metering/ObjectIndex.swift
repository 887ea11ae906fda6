import Foundation
import RBD

/// The data objects of one pool and namespace, listed at most once per scan, and only when an
/// image without a usable object map asks: one listing then replaces a request per provisioned
/// object of every such image with a request per existing object (or none, in object mode).
public actor ObjectIndex {
    public struct Listing: Sendable {
        /// Object numbers by block-name prefix, sorted.
        public var objects: [String: [UInt64]]
        /// Whether the pool holds snapshot clones. Without any, a listed object is a head object;
        /// with some, an object listed may be a clone whose head is gone.
        public var poolHasClones: Bool
        /// Whether the pool has pool snapshots (`ceph osd pool mksnap`): every write to it then
        /// carries their snapshot context, whatever the image's own snapshots.
        public var poolHasSnapshots: Bool = false
        /// When the listing began: an object written after it may be missing.
        public var startedAt = Date()

        /// Whether every object listed under an image's prefix is a head object, so that an image
        /// without snapshots can be counted from the listing alone. It is so for an image that never
        /// had a snapshot (`snapshotSequence` 0) in a pool without pool snapshots: no write to it
        /// carried a snapshot context, so the OSDs never cloned its objects, whatever other images
        /// of the pool did (a Kubernetes pool with a single VolumeSnapshot has clones). librbd
        /// refuses to create an image in a pool with pool snapshots, and `rbd pool init` makes a pool
        /// refuse them, but a pool whose images were created with `rbd_validate_pool = false` can
        /// have both. Otherwise, or when the sequence is not known (`nil`), only a pool without
        /// clones says so.
        public func holdsOnlyHeads(snapshotSequence: UInt64?) -> Bool {
            (snapshotSequence == 0 && !poolHasSnapshots) || !poolHasClones
        }
    }

    private let context: IOContext
    private var state = State.idle

    private enum State {
        case idle
        case listing(waiters: [CheckedContinuation<Listing, any Error>])
        case listed(Result<Listing, any Error>)
    }

    public init(context: IOContext) {
        self.context = context
    }

    /// The listing, made on the first call; later calls wait for the same one.
    ///
    /// The first caller lists in its own task rather than in a new unstructured one: a task's
    /// closure is torn down after its waiters resume, so one holding the context could drop the
    /// cluster's last reference after the scan, even after the process began to exit.
    public func get() async throws -> Listing {
        switch state {
        case .listed(let result):
            return try result.get()
        case .listing(let waiters):
            return try await withCheckedThrowingContinuation { continuation in
                state = .listing(waiters: waiters + [continuation])
            }
        case .idle:
            state = .listing(waiters: [])
            let startedAt = Date()
            let result: Result<Listing, any Error>
            do {
                let objects = try await context.dataObjects()
                // Without statistics (no manager yet), assume clones: the diff is always right.
                let clones = (try? await context.poolStatistics().clones) ?? 1
                // Unknown counts as having some: the diff is always right.
                let poolSnapshots = (try? await context.poolSnapshotCount()) ?? 1
                result = .success(Listing(objects: objects, poolHasClones: clones > 0, poolHasSnapshots: poolSnapshots > 0, startedAt: startedAt))
            } catch {
                result = .failure(error)
            }
            if case .listing(let waiters) = state {
                for waiter in waiters { waiter.resume(with: result) }
            }
            state = .listed(result)
            return try result.get()
        }
    }
}
