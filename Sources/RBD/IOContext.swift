import CRBD

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif

/// An I/O context on one pool and namespace (`rados_ioctx_t`).
///
/// Its namespace is fixed at creation; librados allows concurrent I/O on one context, and librbd
/// duplicates it for every image it opens, so one context serves every worker of a scan.
///
/// A context is released by ``close()``, by its cluster's ``Cluster/close()``, or when its last
/// reference goes: destroying one never waits for the network, so dropping it is fine, while the
/// connection's own shutdown is what must be ordered and is explicit.
public final class IOContext: @unchecked Sendable {
    let handle: rados_ioctx_t
    /// The cluster this context belongs to.
    public let cluster: Cluster
    /// The pool's name.
    public let pool: String
    /// The RBD namespace, "" for the default one.
    public let namespace: String
    /// The pool's id.
    public let poolID: Int64
    /// The calls running on the handle.
    private let users = HandleUsers()

    /// Runs on a pool thread, inside one of the cluster's calls.
    init(cluster: Cluster, pool: String, namespace: String) throws {
        try cluster.liveContexts.enter(cluster.closedError)
        var handle: rados_ioctx_t?
        let created = rados_ioctx_create(cluster.handle, pool, &handle)
        guard created >= 0, let handle else {
            cluster.liveContexts.leave()
            throw RBDError(operation: "open pool", object: pool, code: created < 0 ? -created : ENOMEM)
        }
        if !namespace.isEmpty {
            rados_ioctx_set_namespace(handle, namespace)
        }
        self.handle = handle
        self.cluster = cluster
        self.pool = pool
        self.namespace = namespace
        self.poolID = rados_ioctx_get_id(handle)
        cluster.register(self)
    }

    deinit {
        guard !users.isClosing else { return }
        cluster.unregister(ObjectIdentifier(self))
        // The last reference may drop on a cooperative thread: destroy on the pool.
        let handle = UncheckedContext(handle)
        let cluster = self.cluster
        cluster.pool.runDetached {
            rados_ioctx_destroy(handle.value)
            cluster.liveContexts.leave()
        }
    }

    /// Closes the context: new calls fail with `ECANCELED`, and the handle is destroyed once the
    /// running ones end. Returns when it is; calling it again waits for the same close.
    /// Implements: `rados_ioctx_destroy`.
    public func close() async {
        await users.close { [self] in
            cluster.unregister(ObjectIdentifier(self))
            let handle = UncheckedContext(handle)
            await cluster.pool.release { rados_ioctx_destroy(handle.value) }
            cluster.liveContexts.leave()
        }
    }

    /// Runs `body` on the cluster's pool as one of the handle's users; fails once the context is closed.
    @discardableResult
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await cluster.pool.run { try self.users.use(self.closedError) { try body() } }
    }

    /// The same, with a flag raised when the caller is cancelled.
    func runCancellable<T: Sendable>(_ body: @escaping @Sendable (CancellationFlag) throws -> T) async throws -> T {
        try await cluster.pool.runCancellable { flag in try self.users.use(self.closedError) { try body(flag) } }
    }

    /// Whether ``close()`` has begun (new calls are refused).
    var isClosing: Bool { users.isClosing }

    private var closedError: RBDError {
        RBDError(operation: "use closed I/O context of", object: spec, code: ECANCELED)
    }

    private struct UncheckedContext: @unchecked Sendable {
        let value: rados_ioctx_t
        init(_ value: rados_ioctx_t) { self.value = value }
    }

    /// `pool` or `pool/namespace`, as the rbd CLI writes a location.
    public var spec: String { namespace.isEmpty ? pool : "\(pool)/\(namespace)" }

    /// `pool/[namespace/]image`, as the rbd CLI writes an image.
    public func spec(image: String, snapshot: String? = nil) -> String {
        let base = "\(spec)/\(image)"
        return snapshot.map { "\(base)@\($0)" } ?? base
    }

    /// Another context on the same pool, in `namespace`.
    public func inNamespace(_ namespace: String) async throws -> IOContext {
        try await cluster.ioContext(pool: pool, namespace: namespace)
    }

    // MARK: Pool

    func applicationsBlocking() throws -> [String] {
        try withGrowingBuffer(
            initialCount: 256, filler: CChar(0),
            operation: "list applications", object: pool,
            call: { rados_application_list(handle, $0, &$1) },
            read: { nulSeparatedStrings($0, length: $1) }
        )
    }

    /// The applications enabled on the pool (`rbd`, `cephfs`, `rgw`, ...).
    /// Implements: `rados_application_list`.
    public func applications() async throws -> [String] {
        try await run { try self.applicationsBlocking() }
    }

    /// The pool's object and byte counts as the OSDs last reported them (through the manager).
    /// Implements: `rados_ioctx_pool_stat`.
    public func poolStatistics() async throws -> PoolStatistics {
        try await run {
            var stats = rados_pool_stat_t()
            try check(rados_ioctx_pool_stat(self.handle, &stats), "read statistics of pool", self.pool)
            return PoolStatistics(bytes: stats.num_bytes, objects: stats.num_objects, clones: stats.num_object_clones)
        }
    }

    /// How many pool snapshots (`ceph osd pool mksnap`) the pool has; RBD pools normally have none,
    /// as they use self-managed snapshots. Implements: `rados_ioctx_snap_list`.
    public func poolSnapshotCount() async throws -> Int {
        try await run {
            var capacity = 16
            while true {
                var snapshots = [rados_snap_t](repeating: 0, count: capacity)
                let result = rados_ioctx_snap_list(self.handle, &snapshots, Int32(capacity))
                if result == -ERANGE {
                    capacity *= 4
                    continue
                }
                try check(result, "list pool snapshots of", self.pool)
                return Int(result)
            }
        }
    }

    // MARK: Namespaces

    /// The RBD namespaces of the pool, without the default one. Implements: `rbd_namespace_list`.
    public func namespaces() async throws -> [String] {
        try await run {
            try withGrowingBuffer(
                initialCount: 1024, filler: CChar(0),
                operation: "list namespaces", object: self.pool,
                call: { rbd_namespace_list(self.handle, $0, &$1) },
                read: { nulSeparatedStrings($0, length: $1) }
            )
        }
    }

    /// Creates an RBD namespace in the pool. Implements: `rbd_namespace_create`.
    public func createNamespace(_ name: String) async throws {
        try await run {
            try check(rbd_namespace_create(self.handle, name), "create namespace", "\(self.pool)/\(name)")
        }
    }

    /// Removes an empty RBD namespace. Implements: `rbd_namespace_remove`.
    public func removeNamespace(_ name: String) async throws {
        try await run {
            try check(rbd_namespace_remove(self.handle, name), "remove namespace", "\(self.pool)/\(name)")
        }
    }

    // MARK: Images

    /// The images of this pool and namespace (not those in the trash). Implements: `rbd_list2`.
    public func images() async throws -> [ImageSpec] {
        try await run { try self.imagesBlocking() }
    }

    func imagesBlocking() throws -> [ImageSpec] {
        do {
            return try withGrowingBuffer(
                initialCount: 128, filler: rbd_image_spec_t(),
                operation: "list images", object: spec,
                call: { rbd_list2(handle, $0, &$1) },
                read: { buffer, count in
                    let specs = buffer.prefix(count).map {
                        ImageSpec(id: String(cString: $0.id), name: String(cString: $0.name))
                    }
                    rbd_image_spec_list_cleanup(buffer.baseAddress, count)
                    return specs
                }
            )
        } catch let error as RBDError where error.kind == .notFound {
            return []  // a pool or namespace without an rbd_directory has no images yet
        }
    }

    /// Creates an image. Implements: `rbd_create4`.
    public func createImage(_ name: String, size: UInt64, options: ImageCreateOptions = .init()) async throws {
        try await run {
            var opts: rbd_image_options_t?
            rbd_image_options_create(&opts)
            defer { rbd_image_options_destroy(opts) }
            let object = self.spec(image: name)
            func set(_ option: Int32, _ value: UInt64?) throws {
                guard let value else { return }
                try check(rbd_image_options_set_uint64(opts, option, value), "set image option \(option)", object)
            }
            try set(Int32(RBD_IMAGE_OPTION_FORMAT), 2)
            try set(Int32(RBD_IMAGE_OPTION_FEATURES), options.features?.rawValue)
            try set(Int32(RBD_IMAGE_OPTION_ORDER), options.objectSize.map { UInt64($0.trailingZeroBitCount) })
            try set(Int32(RBD_IMAGE_OPTION_STRIPE_UNIT), options.stripeUnit)
            try set(Int32(RBD_IMAGE_OPTION_STRIPE_COUNT), options.stripeCount)
            if let dataPool = options.dataPool {
                try check(
                    rbd_image_options_set_string(opts, Int32(RBD_IMAGE_OPTION_DATA_POOL), dataPool),
                    "set data pool", object)
            }
            try check(rbd_create4(self.handle, name, size, opts), "create image", object)
        }
    }

    /// Removes an image and its data. Fails with `EBUSY` while a client watches it and `ENOTEMPTY`
    /// while it has snapshots. Implements: `rbd_remove`.
    public func removeImage(_ name: String) async throws {
        try await run {
            try check(rbd_remove(self.handle, name), "remove image", self.spec(image: name))
        }
    }

    /// Opens `name` (at `snapshot`, or its head) on a pool thread, runs `body` with the handle on that
    /// same thread and closes the handle.
    ///
    /// Read-only handles take no watch and no exclusive lock, so clients of the image notice nothing;
    /// they also hear of no resize or new snapshot, so open a fresh one for every measurement. A handle
    /// never leaves `body`: librbd handles must not be shared between threads.
    /// With `id` (from ``images()``), the image is opened by id, which saves librbd a request; a
    /// renamed image is then still found, a deleted one is not.
    /// Implements: `rbd_open_read_only`, `rbd_open`, `rbd_open_by_id_read_only`, `rbd_open_by_id`, `rbd_close`.
    public func withImage<T: Sendable>(
        _ name: String,
        id: String? = nil,
        snapshot: String? = nil,
        readOnly: Bool = true,
        _ body: @escaping @Sendable (Image) throws -> T
    ) async throws -> T {
        try await run {
            let image = try Image(context: self, name: name, id: id, snapshot: snapshot, readOnly: readOnly)
            defer { image.close() }
            return try body(image)
        }
    }

    /// The same as ``withImage(_:snapshot:readOnly:_:)``, with a flag raised when the caller is cancelled,
    /// for long iterations that should stop early.
    public func withImage<T: Sendable>(
        _ name: String,
        id: String? = nil,
        snapshot: String? = nil,
        cancellable body: @escaping @Sendable (Image, CancellationFlag) throws -> T
    ) async throws -> T {
        try await runCancellable { flag in
            let image = try Image(context: self, name: name, id: id, snapshot: snapshot, readOnly: true)
            defer { image.close() }
            return try body(image, flag)
        }
    }
}

/// An image's name and id, as `rbd_list2` reports them.
public struct ImageSpec: Sendable, Hashable {
    public var id: String
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// A pool's usage as RADOS counts it (logical bytes of every object, snapshots included).
public struct PoolStatistics: Sendable, Equatable {
    public var bytes: UInt64
    public var objects: UInt64
    public var clones: UInt64
}
