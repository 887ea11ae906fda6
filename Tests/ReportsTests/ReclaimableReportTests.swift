import Foundation
import History
import Metering
import Reports
import Testing
import TestSupport

/// The report's reclaimable line and idle images, from synthetic history.
@Suite("Reclaimable space in the capacity report")
struct ReclaimableReportTests {
    static let start = 1_795_046_400.0  // a midnight UTC
    static let gib = UInt64(1 << 30)

    static func image(_ name: String, used: UInt64, watchers: Int) -> ImageUsage {
        ImageUsage(pool: "k8s", namespace: "", image: name, id: "id-\(name)", provisionedBytes: 100 * gib, usedBytes: used,
                   totalUsedBytes: used, snapshots: 0, watchers: watchers)
    }

    static func trashed(_ pool: String, _ name: String, used: UInt64) -> TrashUsage {
        TrashUsage(
            usage: ImageUsage(pool: pool, namespace: "", image: name, id: "trash-\(name)", provisionedBytes: 10 * gib, usedBytes: used, totalUsedBytes: used, snapshots: 0),
            source: .user, deletedAt: start, defermentEndsAt: start)
    }

    /// 40 daily scans: `idle` never changes and is never open, `open` never changes but is open,
    /// `growing` is never open but grows every day, `woke` was idle until it was opened on day 35.
    /// Pool `k8s` has 3 GiB in its trash at the end; pool `other`'s last scan failed and keeps the
    /// 2 GiB its scan before found.
    static func history() async throws -> HistoryStore {
        // Removed with its -wal and -shm files when the test process exits.
        let path = try TemporaryFolder.make("reclaim").appendingPathComponent("history.sqlite").path
        let store = try HistoryStore(path: path)
        for day in 0..<40 {
            let time = start + Double(day) * 86400
            var k8s = PoolScan(pool: "k8s", images: [
                image("idle", used: 5 * gib, watchers: 0), image("open", used: 7 * gib, watchers: 1),
                image("growing", used: UInt64(day + 1) * gib, watchers: 0), image("woke", used: gib, watchers: day >= 35 ? 1 : 0),
            ])
            k8s.trash = day == 39 ? [trashed("k8s", "old-1", used: gib), trashed("k8s", "old-2", used: 2 * gib)] : [trashed("k8s", "old-1", used: gib)]
            var other = PoolScan(pool: "other", images: [])
            if day == 39 {
                other.failure = ScanFailure(reason: .timeout, message: "ETIMEDOUT")
            } else {
                other.trash = [trashed("other", "gone", used: 2 * gib)]
            }
            try await store.record(ScanReport(startedAt: Date(timeIntervalSince1970: time - 5), finishedAt: Date(timeIntervalSince1970: time), mode: .exact, pools: [k8s, other]))
        }
        return store
    }

    @Test("the trash of the latest complete scans is reclaimable; images without watchers and unchanged for the idle time are idle")
    func reclaimableAndIdle() async throws {
        let store = try await Self.history()
        let now = Date(timeIntervalSince1970: Self.start + 39 * 86400)
        let report = try await CapacityReport.build(history: store, since: Date(timeIntervalSince1970: Self.start), now: now, grouping: .pool, rules: [], idleDays: 30)
        #expect(report.trashImages == 3)
        #expect(report.trashBytes == Double(5 * Self.gib), "k8s's latest trash and other's last complete one")
        #expect(report.idleImages.map(\.image) == ["k8s/idle"])
        #expect(report.idleImages.first?.unchangedSince == Self.start)
        #expect(report.table.contains("Reclaimable: 5 GiB in the RBD trash (3 images)"), "\(report.table)")
        #expect(report.table.contains("Idle images (no watchers, numbers unchanged for 30 days or more)"))
        #expect((try report.json()).contains("\"trash_total_used_bytes\":\(5 * Self.gib)"))
        #expect((try report.json()).contains("\"idle_images\":[{\"image\":\"k8s/idle\""))

        #expect(report.html.contains("<h2>Reclaimable</h2><p>5 GiB in the RBD trash (3 images)"))
        #expect(report.html.contains("<td>k8s/idle</td><td>5 GiB</td><td>39 days</td>"))

        let strict = try await CapacityReport.build(history: store, since: Date(timeIntervalSince1970: Self.start), now: now, grouping: .pool, rules: [], idleDays: 40)
        #expect(strict.idleImages.isEmpty, "39 days observed are not 40")
        #expect(!strict.table.contains("Idle images"))
    }
}
