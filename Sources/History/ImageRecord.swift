import GRDB
import Metering

/// An image as history knows it: the place and the id it had. A deleted image whose name is reused
/// gets a new record, because its id differs.
public struct ImageRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "image"

    public var id: Int64?
    public var pool: String
    public var namespace: String
    public var name: String
    public var imageID: String
    /// The image's Kubernetes identity as ceph-csi recorded it when last seen.
    public var pv: String = ""
    public var pvc: String = ""
    public var pvcNamespace: String = ""
    /// The VolumeSnapshot the image backs (ceph-csi makes one image per snapshot), and its namespace.
    public var volumeSnapshot: String = ""
    public var volumeSnapshotNamespace: String = ""

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, pool, namespace, name, pv, pvc
        case imageID = "image_id"
        case pvcNamespace = "pvc_namespace"
        case volumeSnapshot = "volumesnapshot"
        case volumeSnapshotNamespace = "volumesnapshot_namespace"
    }

    public init(
        id: Int64?, pool: String, namespace: String, name: String, imageID: String, pv: String = "", pvc: String = "", pvcNamespace: String = "",
        volumeSnapshot: String = "", volumeSnapshotNamespace: String = ""
    ) {
        self.id = id
        self.pool = pool
        self.namespace = namespace
        self.name = name
        self.imageID = imageID
        self.pv = pv
        self.pvc = pvc
        self.pvcNamespace = pvcNamespace
        self.volumeSnapshot = volumeSnapshot
        self.volumeSnapshotNamespace = volumeSnapshotNamespace
    }

    /// The record for an image just measured, its Kubernetes identity included.
    public init(_ image: ImageUsage) {
        self.init(id: nil, pool: image.pool, namespace: image.namespace, name: image.image, imageID: image.id)
        identity = image.kubernetes
    }

    /// The Kubernetes identity the history keeps: the PV and PVC, or the VolumeSnapshot.
    public var identity: KubernetesIdentity {
        get {
            KubernetesIdentity(pv: pv, pvc: pvc, pvcNamespace: pvcNamespace, volumeSnapshot: volumeSnapshot, volumeSnapshotNamespace: volumeSnapshotNamespace)
        }
        set {
            (pv, pvc, pvcNamespace) = (newValue.pv, newValue.pvc, newValue.pvcNamespace)
            (volumeSnapshot, volumeSnapshotNamespace) = (newValue.volumeSnapshot, newValue.volumeSnapshotNamespace)
        }
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The identity used to match a measured image to its record.
    /// What identifies an image across scans: where it is, its name and its id.
    public struct Key: Hashable, Sendable {
        public var pool: String
        public var namespace: String
        public var name: String
        public var imageID: String

        public init(pool: String, namespace: String, name: String, imageID: String) {
            self.pool = pool
            self.namespace = namespace
            self.name = name
            self.imageID = imageID
        }
    }

    public var key: Key { Key(pool: pool, namespace: namespace, name: name, imageID: imageID) }
}

extension ImageRecord {
    /// Every record of an image named so, whatever id it had, oldest first.
    public static func named(pool: String, namespace: String, name: String, in db: Database) throws -> [ImageRecord] {
        try ImageRecord
            .filter(CodingKeys.pool == pool && CodingKeys.namespace == namespace && CodingKeys.name == name)
            .order(CodingKeys.id)
            .fetchAll(db)
    }

    /// Records of the given pools, by identity.
    static func byKey(pools: [String], in db: Database) throws -> [Key: ImageRecord] {
        let records = try ImageRecord.filter(pools.contains(CodingKeys.pool)).fetchAll(db)
        return Dictionary(records.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Every image record, by id.
    public static func all(in db: Database) throws -> [Int64: ImageRecord] {
        Dictionary(uniqueKeysWithValues: try ImageRecord.fetchAll(db).compactMap { record in record.id.map { ($0, record) } })
    }
}
