import GRDB

extension HistoryStore {
    /// The RBD trash as the latest complete scan of each pool found it.
    public func trash() async throws -> [TrashRecord] {
        try await read { db in try TrashRecord.all(in: db) }
    }

    /// The newest sample of every image, by image reference: with its first time, since when its
    /// numbers and watchers have not changed.
    public func latestSamples() async throws -> [Int64: SampleRecord] {
        try await read { db in
            let images = try Int64.fetchAll(db, sql: "SELECT DISTINCT image_ref FROM sample")
            return try SampleRecord.latest(of: images, in: db)
        }
    }
}
