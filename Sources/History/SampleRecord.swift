import GRDB

/// An image's numbers over a span of scans in which they did not change.
///
/// A scan that finds the same numbers as the latest sample extends that sample's span instead of
/// adding a row, so an idle image costs one row however often it is scanned.
public struct SampleRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "sample"

    public var id: Int64?
    public var imageRef: Int64
    public var firstScanID: Int64
    public var lastScanID: Int64
    /// When the numbers were first and last seen, in seconds since the epoch.
    public var firstAt: Double
    public var lastAt: Double
    public var provisionedBytes: Int64
    public var usedBytes: Int64
    public var totalUsedBytes: Int64
    /// Clients that had the image open (see ``ImageUsage/watchers``); `nil` for samples written
    /// before rbd-meter recorded it.
    public var watchers: Int64?

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id
        case imageRef = "image_ref"
        case firstScanID = "first_scan_id"
        case lastScanID = "last_scan_id"
        case firstAt = "first_at"
        case lastAt = "last_at"
        case provisionedBytes = "provisioned_bytes"
        case usedBytes = "used_bytes"
        case totalUsedBytes = "total_used_bytes"
        case watchers
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// Whether a scan found the same numbers, so that the sample's span can grow. Watchers count: a
    /// span then also says since when the image was (or was not) in use.
    func hasSameNumbers(as other: SampleRecord) -> Bool {
        provisionedBytes == other.provisionedBytes && usedBytes == other.usedBytes && totalUsedBytes == other.totalUsedBytes
            && watchers == other.watchers
    }
}

extension SampleRecord {
    /// The newest sample of each of the given images.
    static func latest(of images: [Int64], in db: Database) throws -> [Int64: SampleRecord] {
        guard !images.isEmpty else { return [:] }
        let rows = try SampleRecord.fetchAll(db, sql: """
            SELECT sample.* FROM sample
            JOIN (SELECT image_ref, MAX(id) AS id FROM sample GROUP BY image_ref) AS newest ON newest.id = sample.id
            """)
        let wanted = Set(images)
        return Dictionary(rows.filter { wanted.contains($0.imageRef) }.map { ($0.imageRef, $0) }, uniquingKeysWith: { $1 })
    }

    /// Moves the end of the given samples' spans to a new scan.
    static func extend(_ ids: [Int64], to scanID: Int64, at time: Double, in db: Database) throws {
        // One statement for all of them: a scan of ten thousand unchanged images stays one UPDATE.
        for chunk in stride(from: 0, to: ids.count, by: 30_000).map({ ids[$0..<min($0 + 30_000, ids.count)] }) {
            try db.execute(
                sql: "UPDATE sample SET last_scan_id = ?, last_at = ? WHERE id IN (SELECT value FROM json_each(?))",
                arguments: [scanID, time, "[" + chunk.map(String.init).joined(separator: ",") + "]"])
        }
    }

    /// Samples of an image whose span overlaps `from..<until`, oldest first.
    public static func overlapping(image: Int64, from: Double, until: Double, in db: Database) throws -> [SampleRecord] {
        try SampleRecord
            .filter(CodingKeys.imageRef == image && CodingKeys.lastAt >= from && CodingKeys.firstAt < until)
            .order(CodingKeys.firstAt)
            .fetchAll(db)
    }

    /// Samples of every image whose span overlaps `from...until`, oldest first.
    public static func overlapping(from: Double, until: Double, in db: Database) throws -> [SampleRecord] {
        try SampleRecord
            .filter(CodingKeys.lastAt >= from && CodingKeys.firstAt <= until)
            .order(CodingKeys.firstAt)
            .fetchAll(db)
    }

    /// The oldest time a raw sample still covers.
    static func oldestTime(in db: Database) throws -> Double? {
        try Double.fetchOne(db, sql: "SELECT MIN(first_at) FROM sample")
    }

    /// Removes samples whose span ended before `cutoff`.
    static func deleteEnded(before cutoff: Double, in db: Database) throws {
        try SampleRecord.filter(CodingKeys.lastAt < cutoff).deleteAll(db)
    }
}
