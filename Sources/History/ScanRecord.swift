import GRDB
import Metering

/// One scan: when it ran, how it ended, in which mode.
public struct ScanRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "scan"

    public var id: Int64?
    /// Seconds since the epoch.
    public var startedAt: Double
    public var finishedAt: Double
    /// `success`, `partial` (some pools failed) or `failure`, as text in the database.
    public var status: ScanReport.Outcome
    public var mode: UsageMode
    /// Images measured.
    public var images: Int
    /// The first failure's message, if any.
    public var error: String?

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, status, mode, images, error
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension ScanRecord {
    /// The latest scans, newest first.
    public static func latest(_ count: Int, in db: Database) throws -> [ScanRecord] {
        try ScanRecord.order(CodingKeys.id.desc).limit(count).fetchAll(db)
    }

    /// Removes scans that ended before `cutoff` and that no sample refers to any more.
    static func deleteUnreferenced(before cutoff: Double, in db: Database) throws {
        try db.execute(sql: """
            DELETE FROM scan WHERE finished_at < ?
              AND id NOT IN (SELECT first_scan_id FROM sample UNION SELECT last_scan_id FROM sample)
            """, arguments: [cutoff])
    }
}

extension ScanRecord {
    /// End times of the scans that measured something (not `failure`) in `from...until`, in order.
    static func finished(from: Double, until: Double, in db: Database) throws -> [Double] {
        try Double.fetchAll(db, sql: """
            SELECT finished_at FROM scan WHERE finished_at >= ? AND finished_at <= ? AND status != ? ORDER BY finished_at
            """, arguments: [from, until, ScanReport.Outcome.failure.rawValue])
    }
}

extension ObservationPolicy {
    /// The pace of the scans that ended in the ``lookBack`` before `time`: the policy the history
    /// applies at `time`, when it stores a scan and when it covers a period ending then.
    static func before(_ time: Double, in db: Database) throws -> ObservationPolicy {
        ObservationPolicy(scanTimes: try ScanRecord.finished(from: time - lookBack, until: time, in: db).filter { $0 < time })
    }
}
