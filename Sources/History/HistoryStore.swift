import Foundation
import GRDB
import Metering

/// The scan history in SQLite: every scan, and every image's numbers whenever they changed.
///
/// The database runs in WAL mode and each scan is written in one transaction, so a crash at any
/// moment leaves the last completed scan intact and no half scan visible. Raw samples are kept for
/// ``Retention/rawDays`` and rolled up into hourly and daily rows that are kept longer.
public final class HistoryStore: Sendable {
    private let database: DatabasePool
    public let retention: Retention
    /// Path of the database file.
    public let path: String
    /// Where the history is kept unless configured otherwise: beside the working directory.
    public static let defaultPath = "rbd-meter.sqlite"

    /// Opens (creating if needed) and migrates the database at `path`.
    public init(path: String, retention: Retention = Retention()) throws {
        var configuration = Configuration()
        configuration.label = "rbd-meter.history"
        configuration.busyMode = .timeout(10)
        self.database = try DatabasePool(path: path, configuration: configuration)
        self.retention = retention
        self.path = path
        try HistoryMigrations.migrator.migrate(database)
    }

    /// Closes the database; later calls fail.
    public func close() throws {
        try database.close()
    }

    /// What the latest scans left for the next one to reuse (see ``ReuseMemory``).
    public func reuseMemory() async throws -> ReuseMemory {
        try await read { db in
            ReuseMemory(images: try ReuseRecord.all(in: db), clusterClockOffset: try MetaRecord.value(MetaRecord.clusterClockOffset, in: db))
        }
    }

    // MARK: Writing

    /// Writes one scan and its images' numbers in one transaction, then rolls up and prunes.
    /// Returns the scan's id.
    @discardableResult
    public func record(_ report: ScanReport) async throws -> Int64 {
        let scanID = try await database.write { db in try Self.insert(report, in: db) }
        try await maintain(now: report.finishedAt.timeIntervalSince1970)
        return scanID
    }

    static func insert(_ report: ScanReport, in db: Database) throws -> Int64 {
        let time = report.finishedAt.timeIntervalSince1970
        // Only pools scanned to the end: a failed pool's numbers would be partial.
        let images = report.pools.filter { $0.failure == nil }.flatMap(\.images)
        var scan = ScanRecord(
            id: nil, startedAt: report.startedAt.timeIntervalSince1970, finishedAt: time, status: report.outcome,
            mode: report.mode, images: images.count, error: report.firstFailure?.message)
        try scan.insert(db)
        let scanID = scan.id!
        var records = try ImageRecord.byKey(pools: Array(Set(images.map(\.pool))), in: db)
        var refs: [Int64] = []
        refs.reserveCapacity(images.count)
        for image in images {
            let measured = ImageRecord(image)
            if var record = records[measured.key], let id = record.id {
                if record.identity != measured.identity {
                    record.identity = measured.identity
                    try record.update(db)
                }
                refs.append(id)
            } else {
                var record = measured
                try record.insert(db)
                records[measured.key] = record
                refs.append(record.id!)
            }
        }
        let latest = try SampleRecord.latest(of: refs, in: db)
        // A sample only stretches over time that was observed: after a gap in the scans (the
        // exporter was down), the same numbers start a new sample, so that reports see the gap.
        let policy = try ObservationPolicy.before(time, in: db)
        var unchanged: [Int64] = []
        for (image, ref) in zip(images, refs) {
            let sample = SampleRecord(
                id: nil, imageRef: ref, firstScanID: scanID, lastScanID: scanID, firstAt: time, lastAt: time,
                provisionedBytes: Int64(clamping: image.provisionedBytes), usedBytes: Int64(clamping: image.usedBytes),
                totalUsedBytes: Int64(clamping: image.totalUsedBytes), watchers: Int64(image.watchers))
            if let previous = latest[ref], previous.hasSameNumbers(as: sample), policy.isUnbroken(gap: time - previous.lastAt), let id = previous.id {
                unchanged.append(id)
            } else {
                var inserted = sample
                try inserted.insert(db)
            }
        }
        try SampleRecord.extend(unchanged, to: scanID, at: time, in: db)
        let complete = report.pools.filter { $0.failure == nil }
        try TrashRecord.replace(pools: complete.map(\.pool), with: complete.flatMap(\.trash), scanID: scanID, at: time, in: db)
        try ReuseRecord.replace(pools: complete.map(\.pool), with: images, in: db)
        if let offset = report.clusterClockOffset { try MetaRecord.set(MetaRecord.clusterClockOffset, offset, in: db) }
        return scanID
    }

    /// Rolls up completed hours and days and removes what is past its retention.
    public func maintain(now: Double) async throws {
        let retention = self.retention
        try await database.write { db in
            let currentHour = (now / .hour).rounded(.down) * .hour
            let oldest = try SampleRecord.oldestTime(in: db) ?? currentHour
            // Roll up at most the retained hours, whatever the gap since the last roll-up.
            let earliest = max((oldest / .hour).rounded(.down) * .hour, currentHour - retention.hourlyDays * .day)
            var hour = max(try MetaRecord.value(MetaRecord.rolledUpHoursUntil, in: db) ?? earliest, earliest)
            while hour < currentHour {
                try RollupRecord.rollUpHour(startingAt: hour, in: db)
                hour += .hour
            }
            try MetaRecord.set(MetaRecord.rolledUpHoursUntil, hour, in: db)

            let currentDay = (now / .day).rounded(.down) * .day
            let firstDay = (earliest / .day).rounded(.down) * .day
            var day = max(try MetaRecord.value(MetaRecord.rolledUpDaysUntil, in: db) ?? firstDay, currentDay - retention.dailyDays * .day)
            while day < currentDay {
                try RollupRecord.rollUpDay(startingAt: day, in: db)
                day += .day
            }
            try MetaRecord.set(MetaRecord.rolledUpDaysUntil, day, in: db)

            try SampleRecord.deleteEnded(before: now - retention.rawDays * .day, in: db)
            try RollupRecord.delete(.hour, before: now - retention.hourlyDays * .day, in: db)
            try RollupRecord.delete(.day, before: now - retention.dailyDays * .day, in: db)
            try ScanRecord.deleteUnreferenced(before: now - retention.rawDays * .day, in: db)
        }
    }

    // MARK: Reading

    /// An image's history since `since`: raw samples where they are kept, hourly roll-ups before them,
    /// daily roll-ups before those. Every incarnation of the name (each image id) is included.
    public func history(of location: ImageLocation, since: Date, until: Date = Date()) async throws -> [HistoryPoint] {
        let from = since.timeIntervalSince1970
        let to = until.timeIntervalSince1970
        return try await database.read { db in
            let records = try ImageRecord.named(pool: location.pool, namespace: location.namespace, name: location.image, in: db)
            var points: [HistoryPoint] = []
            for record in records {
                guard let ref = record.id else { continue }
                let samples = try SampleRecord.overlapping(image: ref, from: from, until: to, in: db)
                let rawStart = samples.first?.firstAt ?? to
                let hours = try RollupRecord.rows(image: ref, resolution: .hour, from: from, until: rawStart, in: db)
                    .filter { $0.bucketStart + .hour <= rawStart }
                let hourStart = hours.first?.bucketStart ?? rawStart
                let days = try RollupRecord.rows(image: ref, resolution: .day, from: from, until: hourStart, in: db)
                    .filter { $0.bucketStart + .day <= hourStart }
                points += days.map { HistoryPoint(rollup: $0, imageID: record.imageID) }
                points += hours.map { HistoryPoint(rollup: $0, imageID: record.imageID) }
                points += samples.map { HistoryPoint(sample: $0, imageID: record.imageID) }
            }
            return points.sorted { $0.from < $1.from }
        }
    }

    /// The latest scans, newest first.
    public func latestScans(_ count: Int = 10) async throws -> [ScanRecord] {
        try await database.read { db in try ScanRecord.latest(count, in: db) }
    }

    /// Scans whose samples do not add up: a scan must have one sample for each image it recorded,
    /// neither more nor fewer. An empty list means the history holds whole scans only. Scans older
    /// than the raw retention are left out, their samples being pruned.
    public func partialScans() async throws -> [Int64] {
        let cutoff = Date().timeIntervalSince1970 - retention.rawDays * .day
        return try await read { db in
            try Int64.fetchAll(db, sql: """
                SELECT scan.id FROM scan
                WHERE scan.finished_at >= ?
                  AND scan.images != (SELECT COUNT(DISTINCT image_ref) FROM sample
                                      WHERE sample.first_scan_id <= scan.id AND sample.last_scan_id >= scan.id)
                """, arguments: [cutoff])
        }
    }

    /// Runs `PRAGMA integrity_check`; "ok" when the file is sound.
    public func integrityCheck() async throws -> String {
        try await database.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "" }
    }

    /// Runs a read on the database; for reports that combine many records.
    public func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await database.read(body)
    }

    /// Runs a write transaction; for tests and tools that insert synthetic history.
    public func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await database.write(body)
    }
}

extension HistoryPoint {
    init(sample: SampleRecord, imageID: String) {
        self.init(
            resolution: .raw, from: sample.firstAt, to: sample.lastAt, imageID: imageID,
            provisionedBytes: sample.provisionedBytes, usedBytes: Double(sample.usedBytes),
            totalUsedBytes: Double(sample.totalUsedBytes), usedMaximum: sample.usedBytes, totalUsedMaximum: sample.totalUsedBytes)
    }

    init(rollup: RollupRecord, imageID: String) {
        self.init(
            resolution: rollup.resolution == .hour ? .hour : .day, from: rollup.bucketStart,
            to: rollup.bucketStart + rollup.resolution.seconds, imageID: imageID,
            provisionedBytes: rollup.provisionedMaximum, usedBytes: rollup.usedAverage,
            totalUsedBytes: rollup.totalUsedAverage, usedMaximum: rollup.usedMaximum, totalUsedMaximum: rollup.totalUsedMaximum)
    }
}
