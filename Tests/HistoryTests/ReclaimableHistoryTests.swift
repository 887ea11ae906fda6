import Foundation
import History
import Metering
import Testing
import TestSupport

/// What the history keeps for the reclaimable part of reports: watchers in samples, the current trash.
@Suite("History of watchers and the trash")
struct ReclaimableHistoryTests {
    func store() throws -> HistoryStore {
        // Removed with its -wal and -shm files when the test process exits.
        try HistoryStore(path: TemporaryFolder.make("reclaim").appendingPathComponent("history.sqlite").path)
    }

    func scan(at time: Double, watchers: Int, trash: [String]?, failed: Bool = false) -> ScanReport {
        var pool = PoolScan(pool: "rbd", images: [
            ImageUsage(pool: "rbd", namespace: "", image: "vol", id: "id-vol", provisionedBytes: 100, usedBytes: 10, totalUsedBytes: 10, snapshots: 0, watchers: watchers),
        ])
        pool.trash = (trash ?? []).map {
            TrashUsage(usage: ImageUsage(pool: "rbd", namespace: "", image: $0, id: "id-\($0)", provisionedBytes: 100, usedBytes: 7, totalUsedBytes: 9, snapshots: 0),
                       source: .user, deletedAt: 1, defermentEndsAt: 2)
        }
        if failed { pool.failure = ScanFailure(reason: .timeout, message: "ETIMEDOUT") }
        return ScanReport(startedAt: Date(timeIntervalSince1970: time - 1), finishedAt: Date(timeIntervalSince1970: time), mode: .exact, pools: [pool])
    }

    @Test("a change of watchers starts a new sample; unchanged numbers and watchers extend it")
    func watchersSplitSamples() async throws {
        let history = try store()
        try await history.record(scan(at: 1000, watchers: 0, trash: []))
        try await history.record(scan(at: 1600, watchers: 0, trash: []))
        #expect(try await history.latestSamples().values.map(\.firstAt) == [1000])
        try await history.record(scan(at: 2200, watchers: 1, trash: []))
        let latest = try #require(try await history.latestSamples().values.first)
        #expect(latest.firstAt == 2200)
        #expect(latest.watchers == 1)
    }

    @Test("a complete pool scan replaces the pool's trash; a failed one keeps it")
    func trashFollowsCompleteScans() async throws {
        let history = try store()
        try await history.record(scan(at: 1000, watchers: 0, trash: ["a", "b"]))
        #expect(try await history.trash().map(\.name) == ["a", "b"])
        #expect(try await history.trash().first?.totalUsedBytes == 9)
        try await history.record(scan(at: 1600, watchers: 0, trash: ["c"], failed: true))
        #expect(try await history.trash().map(\.name) == ["a", "b"])
        try await history.record(scan(at: 2200, watchers: 0, trash: ["c"]))
        let trash = try await history.trash()
        #expect(trash.map(\.name) == ["c"])
        #expect(trash.first?.at == 2200)
        #expect(trash.first?.source == "user")
    }
}
