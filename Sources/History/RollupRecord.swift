import GRDB

/// An image's numbers over one hour or one day: time-weighted averages and maxima of its samples.
public struct RollupRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "rollup"

    public enum Resolution: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case hour, day

        public var seconds: Double { self == .hour ? .hour : .day }
    }

    public var imageRef: Int64
    public var resolution: Resolution
    /// Start of the hour or day (UTC), in seconds since the epoch.
    public var bucketStart: Double
    /// Seconds of the bucket the samples covered; less than the bucket when scans were missing.
    public var coveredSeconds: Double
    public var usedAverage: Double
    public var usedMaximum: Int64
    public var totalUsedAverage: Double
    public var totalUsedMaximum: Int64
    public var provisionedMaximum: Int64

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case resolution
        case imageRef = "image_ref"
        case bucketStart = "bucket_start"
        case coveredSeconds = "covered_seconds"
        case usedAverage = "used_avg"
        case usedMaximum = "used_max"
        case totalUsedAverage = "total_used_avg"
        case totalUsedMaximum = "total_used_max"
        case provisionedMaximum = "provisioned_max"
    }
}

extension RollupRecord {
    /// Rolls the samples overlapping one hour up into that hour's rows (replacing earlier ones).
    ///
    /// A sample stands for its whole span; a sample seen in one scan only weighs one second.
    static func rollUpHour(startingAt start: Double, in db: Database) throws {
        try db.execute(sql: """
            INSERT OR REPLACE INTO rollup (image_ref, resolution, bucket_start, covered_seconds, used_avg, used_max,
                                           total_used_avg, total_used_max, provisioned_max)
            SELECT image_ref, 'hour', :start, SUM(w), SUM(used_bytes * w) / SUM(w), MAX(used_bytes),
                   SUM(total_used_bytes * w) / SUM(w), MAX(total_used_bytes), MAX(provisioned_bytes)
            FROM (SELECT image_ref, used_bytes, total_used_bytes, provisioned_bytes,
                         MAX(MIN(last_at, :end) - MAX(first_at, :start), 1.0) AS w
                  FROM sample WHERE first_at < :end AND last_at >= :start)
            GROUP BY image_ref
            """, arguments: ["start": start, "end": start + .hour])
    }

    /// Rolls one day's hourly rows up into that day's rows.
    static func rollUpDay(startingAt start: Double, in db: Database) throws {
        try db.execute(sql: """
            INSERT OR REPLACE INTO rollup (image_ref, resolution, bucket_start, covered_seconds, used_avg, used_max,
                                           total_used_avg, total_used_max, provisioned_max)
            SELECT image_ref, 'day', :start, SUM(covered_seconds),
                   SUM(used_avg * covered_seconds) / SUM(covered_seconds), MAX(used_max),
                   SUM(total_used_avg * covered_seconds) / SUM(covered_seconds), MAX(total_used_max), MAX(provisioned_max)
            FROM rollup WHERE resolution = 'hour' AND bucket_start >= :start AND bucket_start < :end
            GROUP BY image_ref
            """, arguments: ["start": start, "end": start + .day])
    }

    /// An image's rows of one resolution overlapping `from..<until`, oldest first.
    public static func rows(image: Int64, resolution: Resolution, from: Double, until: Double, in db: Database) throws -> [RollupRecord] {
        try RollupRecord
            .filter(CodingKeys.imageRef == image && CodingKeys.resolution == resolution
                && CodingKeys.bucketStart >= from - resolution.seconds && CodingKeys.bucketStart < until)
            .order(CodingKeys.bucketStart)
            .fetchAll(db)
    }

    /// Every image's rows of one resolution overlapping `from..<until`, oldest first.
    public static func rows(resolution: Resolution, from: Double, until: Double, in db: Database) throws -> [RollupRecord] {
        try RollupRecord
            .filter(CodingKeys.resolution == resolution && CodingKeys.bucketStart >= from - resolution.seconds && CodingKeys.bucketStart < until)
            .order(CodingKeys.bucketStart)
            .fetchAll(db)
    }

    /// Removes rows of a resolution that started before `cutoff`.
    static func delete(_ resolution: Resolution, before cutoff: Double, in db: Database) throws {
        try RollupRecord.filter(CodingKeys.resolution == resolution && CodingKeys.bucketStart < cutoff).deleteAll(db)
    }
}
