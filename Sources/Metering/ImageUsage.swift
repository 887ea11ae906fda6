import Foundation
import RBD

/// What one image costs, measured at one moment. Codable, so that the history can keep the latest
/// numbers with what an incremental scan compares (``ClusterScanSource``'s memory) across restarts.
public struct ImageUsage: Sendable, Equatable, Codable {
    public var pool: String
    /// The RBD namespace, "" for the default one.
    public var namespace: String
    public var image: String
    /// The image id (the stable identity across renames).
    public var id: String
    /// The image size.
    public var provisionedBytes: UInt64
    /// Bytes allocated in the image's current state since its creation, without data a clone reads
    /// from its parent.
    public var usedBytes: UInt64
    /// What the image and its snapshots cost together: over its user snapshots in order and then the
    /// head, the bytes each adds over the one before (the sum of `rbd du`'s rows for the image).
    public var totalUsedBytes: UInt64
    /// Number of user snapshots.
    public var snapshots: Int
    public var features: ImageFeatures
    /// `pool/[namespace/]image@snapshot` of a clone's parent, "" otherwise.
    public var parent: String
    /// How the numbers were obtained.
    public var method: MeteringMethod
    /// Whether librbd flagged the object map invalid, which silently sends `rbd du` down the slow path.
    public var objectMapInvalid: Bool
    public var kubernetes: KubernetesIdentity
    /// Seconds since the epoch of the image's last write as librbd records it.
    public var modifyTimestamp: Double
    /// Seconds since the epoch of the image's creation; 0 when unknown.
    public var createTimestamp: Double
    /// Bytes per data object.
    public var objectSize: UInt64
    /// The mode the numbers were measured in.
    public var mode: UsageMode
    /// When the measurement started.
    public var measuredAt: Date
    /// Ids of the user snapshots, oldest first: with the size and modify timestamp, what tells an
    /// incremental scan that nothing changed.
    public var snapshotIDs: [UInt64]
    /// Whether these numbers were taken over from the previous scan instead of measured again.
    public var reused: Bool
    /// Whether librbd opened the image in this scan; an image whose header did not change since it
    /// was measured is decided from the header probe alone.
    public var opened: Bool
    /// The version of the image's header object read before the measurement; an unchanged version
    /// means that nothing librbd records in the header changed. `nil` when no probe was read.
    public var headerVersion: UInt64?
    /// Clients watching the image's header when it was measured: every read-write handle (a mapped
    /// device, a VM, `rbd bench`) holds a watch; read-only handles such as rbd-meter's hold none.
    /// Read on every scan, also when the numbers are reused. 0 means nobody has the image open.
    public var watchers: Int
    /// When rbd-meter first measured these numbers (provisioned, used and total used bytes): the
    /// latest change its scans saw, whatever client wrote (the kernel client never moves the modify
    /// timestamp), at most one scan after it happened. Kept across restarts with the history. `nil`
    /// before the first measurement. Overwrites in place, which change no number, do not move it.
    public var changedAt: Date?
    /// For a clone, the bytes of its range that still read through to its parent snapshot (`rbd
    /// info`'s overlap): what it shares with the parent instead of storing; 0 for other images.
    public var parentOverlapBytes: UInt64

    public init(
        pool: String, namespace: String, image: String, id: String,
        provisionedBytes: UInt64, usedBytes: UInt64, totalUsedBytes: UInt64, snapshots: Int,
        features: ImageFeatures = [], parent: String = "", method: MeteringMethod = .diff,
        objectMapInvalid: Bool = false, kubernetes: KubernetesIdentity = .init(),
        modifyTimestamp: Double = 0, objectSize: UInt64 = 4 << 20, mode: UsageMode = .exact,
        measuredAt: Date = Date(timeIntervalSince1970: 0), snapshotIDs: [UInt64] = [], reused: Bool = false,
        watchers: Int = 0, createTimestamp: Double = 0, parentOverlapBytes: UInt64 = 0,
        opened: Bool = true, headerVersion: UInt64? = nil, changedAt: Date? = nil
    ) {
        self.pool = pool
        self.namespace = namespace
        self.image = image
        self.id = id
        self.provisionedBytes = provisionedBytes
        self.usedBytes = usedBytes
        self.totalUsedBytes = totalUsedBytes
        self.snapshots = snapshots
        self.features = features
        self.parent = parent
        self.method = method
        self.objectMapInvalid = objectMapInvalid
        self.kubernetes = kubernetes
        self.modifyTimestamp = modifyTimestamp
        self.objectSize = objectSize
        self.mode = mode
        self.measuredAt = measuredAt
        self.snapshotIDs = snapshotIDs
        self.reused = reused
        self.watchers = watchers
        self.createTimestamp = createTimestamp
        self.parentOverlapBytes = parentOverlapBytes
        self.opened = opened
        self.headerVersion = headerVersion
        self.changedAt = changedAt
    }

    /// `pool/[namespace/]image`.
    public var spec: String {
        namespace.isEmpty ? "\(pool)/\(image)" : "\(pool)/\(namespace)/\(image)"
    }
}
