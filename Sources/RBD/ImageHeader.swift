/// What a scan needs of a format-2 image, read from its header object (`rbd_header.ID`) through
/// the `rbd` object class, as librbd reads it when it opens the image, but without an open.
public struct ImageHeader: Sendable, Equatable {
    public var id: String
    /// Provisioned size of the head in bytes.
    public var size: UInt64
    /// Bytes per data object (`1 << order`).
    public var objectSize: UInt64
    /// Prefix of the data objects' names, e.g. `rbd_data.10a2b3c4d5e6`.
    public var blockNamePrefix: String
    public var features: ImageFeatures
    /// Features a client must understand to read the image at all.
    public var incompatibleFeatures: ImageFeatures
    public var flags: ImageFlags
    /// Every snapshot id of the image's snapshot context, user or not, newest first.
    public var snapshotIDs: [UInt64]
    /// The id of the newest snapshot the image ever had, removed or not; 0 if it never had one,
    /// so that no write to it ever made the OSDs clone one of its objects.
    public var snapshotSequence: UInt64
    /// The pool holding the data objects when it is not the image's own pool.
    public var dataPoolID: Int64?
    /// The pool of the parent image of a clone (or of a snapshot's parent), `nil` for none.
    public var parentPoolID: Int64?
    public var createTimestamp: Double
    public var modifyTimestamp: Double
    /// The image's metadata (`rbd image-meta list`).
    public var metadata: [String: String]
    /// Whether ``metadata`` holds every key: one read returns at most ``metadataLimit`` of them.
    public var metadataComplete: Bool

    /// Keys of metadata asked for in one read.
    static let metadataLimit: UInt64 = 1024

    /// The header as ``ImageInfo``, when the layout is plain (no fancy striping, which this read
    /// does not cover) and there is no parent (whose name would need further lookups); otherwise
    /// only a librbd open tells the rest.
    public var info: ImageInfo? {
        guard !features.contains(.striping), parentPoolID == nil else { return nil }
        return ImageInfo(
            id: id, size: size, objectSize: objectSize, stripeUnit: objectSize, stripeCount: 1,
            features: features, flags: flags, blockNamePrefix: blockNamePrefix, dataPoolID: dataPoolID,
            parent: nil, createTimestamp: createTimestamp, modifyTimestamp: modifyTimestamp)
    }
}

extension ImageHeader {
    /// `CEPH_NOSNAP`: the head rather than a snapshot.
    static let head: UInt64 = 0xFFFF_FFFF_FFFF_FFFE

    /// The calls of one header read; the inputs are those of `src/cls/rbd/cls_rbd_client.cc`.
    static let calls: [ObjectCalls.Call] = [
        .init(method: "get_size", input: ObjectCalls.little(head)),
        .init(method: "get_object_prefix"),
        // The snapshot id is ignored by the class; `true` asks for the read-only incompatible set.
        .init(method: "get_features", input: ObjectCalls.little(head) + [1]),
        .init(method: "get_flags", input: ObjectCalls.little(head)),
        .init(method: "get_snapcontext"),
        .init(method: "get_data_pool"),
        .init(method: "parent_get"),
        .init(method: "get_create_timestamp"),
        .init(method: "get_modify_timestamp"),
        // Start after "" (the first key), at most `metadataLimit` keys.
        .init(method: "metadata_list", input: [0, 0, 0, 0] + ObjectCalls.little(metadataLimit)),
    ]

    /// Decodes the replies of ``calls`` for image `id`.
    init(id: String, replies: [[UInt8]]) throws(RBDError) {
        precondition(replies.count == Self.calls.count)
        // Each reply is found by its method's name, so that the order of ``calls`` is free.
        func decoder(_ method: String) -> CephDecoder {
            let index = Self.calls.firstIndex { $0.method == method }!
            return CephDecoder(replies[index], what: "rbd.\(method) of rbd_header.\(id)")
        }
        self.id = id

        var size = decoder("get_size")
        let order = try size.u8()
        self.size = try size.u64()
        try size.expectEnd()
        guard order >= 12, order <= 26 else { throw size.malformed("object order \(order)") }
        objectSize = 1 << UInt64(order)

        var prefix = decoder("get_object_prefix")
        blockNamePrefix = try prefix.string()
        try prefix.expectEnd()

        var features = decoder("get_features")
        self.features = ImageFeatures(rawValue: try features.u64())
        incompatibleFeatures = ImageFeatures(rawValue: try features.u64())
        try features.expectEnd()

        var flags = decoder("get_flags")
        self.flags = ImageFlags(rawValue: try flags.u64())
        try flags.expectEnd()

        var context = decoder("get_snapcontext")
        snapshotSequence = try context.u64()
        let count = try context.count(minimumBytes: 8)
        snapshotIDs = try (0..<count).map { _ throws(RBDError) in try context.u64() }
        try context.expectEnd()

        var dataPool = decoder("get_data_pool")
        let pool = try dataPool.i64()
        dataPoolID = pool >= 0 ? pool : nil
        try dataPool.expectEnd()

        // cls::rbd::ParentImageSpec: pool id, pool namespace, image id, snapshot id; pool -1 for none.
        var parent = decoder("parent_get")
        let end = try parent.structHeader(known: 1)
        let parentPool = try parent.i64()
        _ = try parent.string()
        _ = try parent.string()
        _ = try parent.u64()
        parent.skip(to: end)
        try parent.expectEnd()
        parentPoolID = parentPool >= 0 ? parentPool : nil

        var created = decoder("get_create_timestamp")
        createTimestamp = try created.time()
        try created.expectEnd()
        var modified = decoder("get_modify_timestamp")
        modifyTimestamp = try modified.time()
        try modified.expectEnd()

        var list = decoder("metadata_list")
        // Each key and value is at least its u32 length.
        let keys = try list.count(minimumBytes: 8)
        var metadata: [String: String] = [:]
        for _ in 0..<keys {
            let key = try list.string()
            metadata[key] = String(decoding: try list.bytesWithLength(), as: UTF8.self)
        }
        try list.expectEnd()
        self.metadata = metadata
        metadataComplete = UInt64(keys) < Self.metadataLimit
    }
}
