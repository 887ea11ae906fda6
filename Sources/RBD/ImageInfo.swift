/// What `rbd info` shows of an image (or of one of its snapshots).
public struct ImageInfo: Sendable, Equatable {
    /// The image's id, which names its header and data objects.
    public var id: String
    /// Provisioned size in bytes.
    public var size: UInt64
    /// Bytes per RADOS data object (`1 << order`).
    public var objectSize: UInt64
    /// Bytes written to one object before the next one of a stripe.
    public var stripeUnit: UInt64
    /// Objects a stripe spans; 1 without fancy striping.
    public var stripeCount: UInt64
    public var features: ImageFeatures
    public var flags: ImageFlags
    /// Prefix of the data objects' names, e.g. `rbd_data.10a2b3c4d5e6`.
    public var blockNamePrefix: String
    /// The pool holding the data objects when it is not the image's own pool.
    public var dataPoolID: Int64?
    /// The parent snapshot of a clone.
    public var parent: ParentSpec?
    /// Seconds since the epoch of the creation and the last write (librbd updates the latter lazily,
    /// every `rbd_mtime_update_interval` seconds).
    public var createTimestamp: Double
    public var modifyTimestamp: Double

    /// Whether `rbd_diff_iterate2` can answer from the object map instead of asking every object.
    public var hasUsableFastDiff: Bool {
        features.contains(.fastDiff) && !flags.contains(.fastDiffInvalid) && !flags.contains(.objectMapInvalid)
    }

    /// Whether the image has an object map that librbd flagged as invalid (`rbd object-map rebuild`
    /// mends it).
    public var hasInvalidObjectMap: Bool {
        features.contains(.objectMap) && (flags.contains(.objectMapInvalid) || flags.contains(.fastDiffInvalid))
    }

    /// Whether data objects map one-to-one onto consecutive `objectSize` ranges of the image.
    public var hasPlainLayout: Bool {
        stripeCount <= 1 || stripeUnit == objectSize
    }
}

/// The snapshot a clone was made from.
public struct ParentSpec: Sendable, Equatable, CustomStringConvertible {
    public var pool: String
    public var namespace: String
    public var image: String
    public var imageID: String
    public var snapshot: String
    /// Whether the parent image is in the trash.
    public var inTrash: Bool
    /// Bytes of the clone that still read through to the parent.
    public var overlap: UInt64

    /// `pool/[namespace/]image@snapshot`.
    public var description: String {
        let location = namespace.isEmpty ? pool : "\(pool)/\(namespace)"
        return "\(location)/\(image)@\(snapshot)"
    }
}

/// A snapshot of an image. Only user snapshots (those `rbd snap ls` shows) count towards usage,
/// as in `rbd du`.
public struct SnapshotInfo: Sendable, Equatable {
    public enum Namespace: Sendable, Equatable {
        case user, group, trash, mirror, unknown
    }

    public var id: UInt64
    public var name: String
    /// The image size at the time of the snapshot.
    public var size: UInt64
    public var namespace: Namespace

    public init(id: UInt64, name: String, size: UInt64, namespace: Namespace) {
        self.id = id
        self.name = name
        self.size = size
        self.namespace = namespace
    }
}

/// A client that has the image open (a mapped kernel device, a VM, `rbd-nbd`, ...).
public struct Watcher: Sendable, Equatable {
    /// The client's address, e.g. `127.0.0.1:0/3581345`.
    public var address: String
    public var id: Int64
    public var cookie: UInt64
}

/// One extent reported by the diff iteration.
public struct DiffExtent: Sendable, Equatable {
    /// Image offset in bytes.
    public var offset: UInt64
    public var length: UInt64
    /// `true` where data exists at the end of the diff; `false` for a hole (discarded or deleted).
    public var exists: Bool

    public init(offset: UInt64, length: UInt64, exists: Bool) {
        self.offset = offset
        self.length = length
        self.exists = exists
    }
}
