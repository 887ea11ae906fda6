import Foundation
import GRDB
import Metering

/// An image's latest numbers with the signals an incremental scan compares, as the latest complete
/// scan of its pool left them (``ReuseMemory``).
///
/// Like the trash, the table holds the present, not a history: a pool scanned to the end replaces
/// its rows, a pool whose scan failed keeps the ones from before (a restarted daemon checks each
/// against the image's header before reusing it, as for numbers kept in memory).
struct ReuseRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "reuse_image"

    var spec: String
    var pool: String
    /// The ``ImageUsage`` as JSON: all of it is what the next scan compares or keeps.
    var usage: String

    /// Every image's numbers by spec; a row that no longer decodes (written by another version) is
    /// left out: that image is measured again.
    static func all(in db: Database) throws -> [String: ImageUsage] {
        let decoder = JSONDecoder()
        var images: [String: ImageUsage] = [:]
        for record in try ReuseRecord.fetchAll(db) {
            if let image = try? decoder.decode(ImageUsage.self, from: Data(record.usage.utf8)) { images[record.spec] = image }
        }
        return images
    }

    /// Makes `pools`' rows those of `images`. Numbers a scan reused are already stored as they are.
    static func replace(pools: [String], with images: [ImageUsage], in db: Database) throws {
        guard !pools.isEmpty else { return }
        let kept = try String.fetchSet(db, ReuseRecord.select(Column("spec")).filter(pools.contains(Column("pool"))))
        let current = Set(images.map(\.spec))
        for spec in kept.subtracting(current) { try ReuseRecord.deleteOne(db, key: spec) }
        let encoder = JSONEncoder()
        for image in images where !image.reused || !kept.contains(image.spec) {
            try ReuseRecord(spec: image.spec, pool: image.pool, usage: String(decoding: try encoder.encode(image), as: UTF8.self)).save(db)
        }
    }
}
