import GRDB

/// Small named values the store keeps for itself, such as how far the roll-ups have got.
struct MetaRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "meta"

    var key: String
    var value: Double

    static let rolledUpHoursUntil = "rolled_up_hours_until"
    static let rolledUpDaysUntil = "rolled_up_days_until"
    /// ``ClusterClock/offset`` as the latest scan left it.
    static let clusterClockOffset = "cluster_clock_offset"

    static func value(_ key: String, in db: Database) throws -> Double? {
        try MetaRecord.fetchOne(db, key: key)?.value
    }

    static func set(_ key: String, _ value: Double, in db: Database) throws {
        try MetaRecord(key: key, value: value).save(db)
    }
}
