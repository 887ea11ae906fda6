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
    private var listing: Task<Listing, any Error>?

    public init(context: IOContext) {
        self.context = context
    }

    /// The listing, made on the first call; later calls wait for the same one.
    public func get() async throws -> Listing {
        if let listing { return try await listing.value }
        let context = self.context
        let task = Task<Listing, any Error> {
            let objects = try await context.dataObjects()
            // Without statistics (no manager yet), assume clones: the diff is always right.
            let clones = (try? await context.poolStatistics().clones) ?? 1
            return Listing(objects: objects, poolHasClones: clones > 0)
        }
        listing = task
        return try await task.value
    }
}
