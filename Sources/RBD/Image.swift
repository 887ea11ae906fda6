import CRBD

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif

/// An open RBD image (`rbd_image_t`), at its head or at one snapshot.
///
/// Only ``IOContext/withImage(_:snapshot:readOnly:_:)`` makes one, and only for the duration of a
/// closure on a pool thread: every method blocks, and a handle is never shared between threads.
public final class Image {
    let handle: rbd_image_t
    /// The image's name.
    public let name: String
    /// The snapshot the handle reads, `nil` for the head.
    public let snapshot: String?
    /// `pool/[namespace/]image[@snapshot]`, for messages.
    public let spec: String
    private var closed = false

    init(context: IOContext, name: String, id: String? = nil, snapshot: String?, readOnly: Bool) throws {
        var handle: rbd_image_t?
        let spec = context.spec(image: name, snapshot: snapshot)
        let result: Int32
        switch (id, readOnly) {
        // By id, librbd skips looking the name up: one request less per handle.
        case (let id?, true): result = rbd_open_by_id_read_only(context.handle, id, &handle, snapshot)
        case (let id?, false): result = rbd_open_by_id(context.handle, id, &handle, snapshot)
        case (nil, true): result = rbd_open_read_only(context.handle, name, &handle, snapshot)
        case (nil, false): result = rbd_open(context.handle, name, &handle, snapshot)
        }
        try check(result, "open image", spec)
        guard let handle else { throw RBDError(operation: "open image", object: spec, code: ENOMEM) }
        self.handle = handle
        self.name = name
        self.snapshot = snapshot
        self.spec = spec
    }

    deinit {
        close()
    }

    /// Closes the handle; later calls fail. Implements: `rbd_close`.
    func close() {
        guard !closed else { return }
        closed = true
        rbd_close(handle)
    }

    // MARK: Information

    /// Size, layout, features, flags, parent and timestamps of the image (or snapshot) this handle reads.
    /// Implements: `rbd_stat`, `rbd_get_id`, `rbd_get_features`, `rbd_get_flags`, `rbd_get_stripe_unit`,
    /// `rbd_get_stripe_count`, `rbd_get_block_name_prefix`, `rbd_get_data_pool_id`, `rbd_get_parent`,
    /// `rbd_get_create_timestamp`, `rbd_get_modify_timestamp`.
    public func info() throws -> ImageInfo {
        var stat = rbd_image_info_t()
        try check(rbd_stat(handle, &stat, MemoryLayout<rbd_image_info_t>.size), "stat image", spec)
        var features: UInt64 = 0
        try check(rbd_get_features(handle, &features), "read features of", spec)
        var flags: UInt64 = 0
        try check(rbd_get_flags(handle, &flags), "read flags of", spec)
        var stripeUnit: UInt64 = 0
        try check(rbd_get_stripe_unit(handle, &stripeUnit), "read stripe unit of", spec)
        var stripeCount: UInt64 = 0
        try check(rbd_get_stripe_count(handle, &stripeCount), "read stripe count of", spec)
        let id = try fixedString(capacity: 64, "read id of") { rbd_get_id(handle, $0, $1) }
        let prefix = try fixedString(capacity: 64, "read block name prefix of") {
            rbd_get_block_name_prefix(handle, $0, $1)
        }
        let dataPool = try check(rbd_get_data_pool_id(handle), "read data pool of", spec)
        var created = timespec()
        try check(rbd_get_create_timestamp(handle, &created), "read create timestamp of", spec)
        var modified = timespec()
        try check(rbd_get_modify_timestamp(handle, &modified), "read modify timestamp of", spec)
        let imageFeatures = ImageFeatures(rawValue: features)
        return ImageInfo(
            id: id,
            size: stat.size,
            objectSize: stat.obj_size,
            stripeUnit: stripeUnit,
            stripeCount: stripeCount,
            features: imageFeatures,
            flags: ImageFlags(rawValue: flags),
            blockNamePrefix: prefix,
            dataPoolID: imageFeatures.contains(.dataPool) ? dataPool : nil,
            parent: try parent(),
            createTimestamp: Double(created.tv_sec) + Double(created.tv_nsec) / 1e9,
            modifyTimestamp: Double(modified.tv_sec) + Double(modified.tv_nsec) / 1e9
        )
    }

    private func fixedString(
        capacity: Int, _ operation: String, _ call: (UnsafeMutablePointer<CChar>, Int) -> Int32
    ) throws -> String {
        var buffer = [CChar](repeating: 0, count: capacity)
        _ = try buffer.withUnsafeMutableBufferPointer { pointer in
            try check(call(pointer.baseAddress!, pointer.count), operation, spec)
        }
        return buffer.withUnsafeMutableBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// The snapshot this clone was made from, `nil` for an image that is not a clone.
    /// Implements: `rbd_get_parent`, `rbd_get_overlap`.
    public func parent() throws -> ParentSpec? {
        var image = rbd_linked_image_spec_t()
        var snap = rbd_snap_spec_t()
        let result = rbd_get_parent(handle, &image, &snap)
        if result == -ENOENT { return nil }
        try check(result, "read parent of", spec)
        defer {
            rbd_linked_image_spec_cleanup(&image)
            rbd_snap_spec_cleanup(&snap)
        }
        var overlap: UInt64 = 0
        try check(rbd_get_overlap(handle, &overlap), "read parent overlap of", spec)
        return ParentSpec(
            pool: String(cString: image.pool_name),
            namespace: String(cString: image.pool_namespace),
            image: String(cString: image.image_name),
            imageID: String(cString: image.image_id),
            snapshot: String(cString: snap.name),
            inTrash: image.trash,
            overlap: overlap
        )
    }

    /// Every snapshot of the image in id (creation) order, with its namespace.
    /// Implements: `rbd_snap_list`, `rbd_snap_get_namespace_type`.
    public func snapshots() throws -> [SnapshotInfo] {
        let listed: [SnapshotInfo] = try withGrowingBuffer(
            initialCount: 16, filler: rbd_snap_info_t(),
            operation: "list snapshots of", object: spec,
            call: { buffer, count in
                var max = Int32(count)
                let result = rbd_snap_list(handle, buffer, &max)
                count = Int(max)
                return result
            },
            read: { buffer, _ in
                var snaps: [SnapshotInfo] = []
                for entry in buffer where entry.name != nil {
                    snaps.append(SnapshotInfo(id: entry.id, name: String(cString: entry.name), size: entry.size, namespace: .user))
                }
                rbd_snap_list_end(buffer.baseAddress)
                return snaps
            }
        )
        return try listed.map { snap in
            var type = RBD_SNAP_NAMESPACE_TYPE_USER
            try check(rbd_snap_get_namespace_type(handle, snap.id, &type), "read namespace of snapshot", "\(spec)@\(snap.name)")
            var typed = snap
            switch type {
            case RBD_SNAP_NAMESPACE_TYPE_USER: typed.namespace = .user
            case RBD_SNAP_NAMESPACE_TYPE_GROUP: typed.namespace = .group
            case RBD_SNAP_NAMESPACE_TYPE_TRASH: typed.namespace = .trash
            case RBD_SNAP_NAMESPACE_TYPE_MIRROR: typed.namespace = .mirror
            default: typed.namespace = .unknown
            }
            return typed
        }.sorted { $0.id < $1.id }
    }

    /// The image's key/value metadata (`rbd image-meta list`); ceph-csi keeps the PV and PVC names here.
    /// Implements: `rbd_metadata_list`.
    public func metadata() throws -> [String: String] {
        var keyCapacity = 4096
        var valueCapacity = 4096
        while true {
            var keys = [CChar](repeating: 0, count: keyCapacity)
            var values = [CChar](repeating: 0, count: valueCapacity)
            var keyLength = keyCapacity
            var valueLength = valueCapacity
            let result = keys.withUnsafeMutableBufferPointer { keyBuffer in
                values.withUnsafeMutableBufferPointer { valueBuffer in
                    rbd_metadata_list(handle, "", 0, keyBuffer.baseAddress, &keyLength, valueBuffer.baseAddress, &valueLength)
                }
            }
            if result == -ERANGE {
                keyCapacity = max(keyLength, keyCapacity * 2)
                valueCapacity = max(valueLength, valueCapacity * 2)
                continue
            }
            try check(result, "list metadata of", spec)
            let names = keys.withUnsafeMutableBufferPointer { nulSeparatedStrings($0, length: keyLength) }
            let contents = values.withUnsafeMutableBufferPointer { allValues(in: $0, count: names.count, length: valueLength) }
            return Dictionary(zip(names, contents), uniquingKeysWith: { first, _ in first })
        }
    }

    /// Values may be empty, so they cannot be split like names: take exactly `count` of them.
    private func allValues(in buffer: UnsafeMutableBufferPointer<CChar>, count: Int, length: Int) -> [String] {
        var values: [String] = []
        var start = 0
        for _ in 0..<count where start <= length {
            var stop = start
            while stop < length && buffer[stop] != 0 { stop += 1 }
            let bytes = UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[start..<stop])
            values.append(String(decoding: bytes, as: UTF8.self))
            start = stop + 1
        }
        return values
    }

    /// The clients watching the image's header: anyone who has it open read-write or mapped.
    /// Implements: `rbd_watchers_list`.
    public func watchers() throws -> [Watcher] {
        try withGrowingBuffer(
            initialCount: 8, filler: rbd_image_watcher_t(),
            operation: "list watchers of", object: spec,
            call: { rbd_watchers_list(handle, $0, &$1) },
            read: { buffer, count in
                let watchers = buffer.prefix(count).map {
                    Watcher(address: String(cString: $0.addr), id: $0.id, cookie: $0.cookie)
                }
                rbd_watchers_list_cleanup(buffer.baseAddress, count)
                return watchers
            }
        )
    }

    // MARK: Changes

    /// Grows or shrinks the image; shrinking discards the data past the new end, so it must be asked for.
    /// Implements: `rbd_resize2`.
    public func resize(to size: UInt64, allowShrink: Bool) throws {
        try check(rbd_resize2(handle, size, allowShrink, ignoreProgress, nil), "resize image", spec)
    }
}

/// A progress callback that ignores the progress. librbd calls the callback it is given without
/// checking it for NULL (a shrink reports every trimmed object), so one must always be passed.
let ignoreProgress: librbd_progress_fn_t = { _, _, _ in 0 }

extension Image {
    /// Writes `bytes` at `offset`; needs a read-write handle. For fixtures and benchmarks: metering
    /// never writes. Implements: `rbd_write`.
    public func write(_ bytes: [UInt8], at offset: UInt64) throws {
        let written = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { rbd_write(handle, offset, buffer.count, $0.baseAddress) }
        }
        try check(Int64(written), "write to", spec)
    }
}

extension Image {
    /// Discards `length` bytes at `offset`: whole objects are removed, partial ones zeroed or cut;
    /// needs a read-write handle. For fixtures: metering never writes. Implements: `rbd_discard`.
    public func discard(at offset: UInt64, length: UInt64) throws {
        try check(Int64(rbd_discard(handle, offset, length)), "discard in", spec)
    }
}
