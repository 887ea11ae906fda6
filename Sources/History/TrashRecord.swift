import GRDB
import Metering

/// An image in the RBD trash as the latest complete scan of its pool found it.
///
/// The table holds the current trash, not its history: a pool scanned to the end replaces its rows,
/// a pool whose scan failed keeps the ones from before.
public struct TrashRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "trash_image"

    public var id: Int64?
    public var scanID: Int64
    /// When the scan that found it ended, in seconds since the epoch.
    public var at: Double
    public var pool: String
    public var namespace: String
    /// The name the image had when it was trashed.
    public var name: String
    public var imageID: String
    /// Why it is in the trash (`user`, `mirroring`, `migration`, `removing`, `user_parent`).
    public var source: String
    public var deletedAt: Double
    public var defermentEndAt: Double
    public var provisionedBytes: Int64
    public var usedBytes: Int64
    public var totalUsedBytes: Int64

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id
        case scanID = "scan_id"
        case at, pool, namespace, name, source
        case imageID = "image_id"
        case deletedAt = "deleted_at"
        case defermentEndAt = "deferment_end_at"
        case provisionedBytes = "provisioned_bytes"
        case usedBytes = "used_bytes"
        case totalUsedBytes = "total_used_bytes"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    init(_ trashed: TrashUsage, scanID: Int64, at time: Double) {
        self.init(
            id: nil, scanID: scanID, at: time, pool: trashed.usage.pool, namespace: trashed.usage.namespace, name: trashed.usage.image,
            imageID: trashed.usage.id, source: trashed.source.rawValue, deletedAt: trashed.deletedAt, defermentEndAt: trashed.defermentEndsAt,
            provisionedBytes: Int64(clamping: trashed.usage.provisionedBytes), usedBytes: Int64(clamping: trashed.usage.usedBytes),
            totalUsedBytes: Int64(clamping: trashed.usage.totalUsedBytes))
    }

    /// A trashed image as another history source (Prometheus) knows it; `scanID` is 0 there.
    public init(
        id: Int64?, scanID: Int64, at: Double, pool: String, namespace: String, name: String, imageID: String, source: String,
        deletedAt: Double, defermentEndAt: Double, provisionedBytes: Int64, usedBytes: Int64, totalUsedBytes: Int64
    ) {
        self.id = id
        self.scanID = scanID
        self.at = at
        self.pool = pool
        self.namespace = namespace
        self.name = name
        self.imageID = imageID
        self.source = source
        self.deletedAt = deletedAt
        self.defermentEndAt = defermentEndAt
        self.provisionedBytes = provisionedBytes
        self.usedBytes = usedBytes
        self.totalUsedBytes = totalUsedBytes
    }
}

extension TrashRecord {
    /// Replaces the rows of `pools` with `trash`, which a scan found in them.
    static func replace(pools: [String], with trash: [TrashUsage], scanID: Int64, at time: Double, in db: Database) throws {
        guard !pools.isEmpty else { return }
        try TrashRecord.filter(pools.contains(CodingKeys.pool)).deleteAll(db)
        for trashed in trash {
            var record = TrashRecord(trashed, scanID: scanID, at: time)
            try record.insert(db)
        }
    }

    /// Every trashed image, by pool, namespace and name.
    public static func all(in db: Database) throws -> [TrashRecord] {
        try TrashRecord.order(CodingKeys.pool, CodingKeys.namespace, CodingKeys.name).fetchAll(db)
    }
}
