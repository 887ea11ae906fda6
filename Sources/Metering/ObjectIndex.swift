import RBD

/// The data objects of one pool and namespace, listed at most once per scan, and only when an
/// image without a usable object map asks: one listing then replaces a request per provisioned
/// object of every such image with a request per existing object (or none, in object mode).
public actor ObjectIndex {
    public struct Listing: Sendable {
        /// Object numbers by block-name prefix, sorted.
        public var objects: [String: [UInt64]]
        /// Whether the pool holds snapshot clones. Without any, a listed object is a head object,
        /// so an image without snapshots can be counted from the listing alone; with some, an
        /// object listed may be a clone whose head is gone, and must be asked about.
        public var poolHasClones: Bool
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
            let result: Result<Listing, any Error>
            do {
                let objects = try await context.dataObjects()
                // Without statistics (no manager yet), assume clones: the diff is always right.
                let clones = (try? await context.poolStatistics().clones) ?? 1
                result = .success(Listing(objects: objects, poolHasClones: clones > 0))
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
