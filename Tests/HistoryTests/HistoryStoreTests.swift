import Foundation
import GRDB
@testable import History
import Metering
import Testing
import TestSupport

/// The SQLite history, on a fresh database file per test.
@Suite("History store")
struct HistoryStoreTests {
    static func temporaryPath() -> String {
        // Removed with its -wal and -shm files when the test process exits.
        (try! TemporaryFolder.make("history")).appendingPathComponent("history.sqlite").path
    }

    static func report(at time: Double, _ images: [(String, UInt64)], pool: String = "rbd", failure: ScanFailure? = nil) -> ScanReport {
        let usages = images.map { name, used in
            ImageUsage(pool: pool, namespace: "", image: name, id: "id-\(name)", provisionedBytes: 1 << 30, usedBytes: used, totalUsedBytes: used + 1, snapshots: 0)
        }
        return ScanReport(
            startedAt: Date(timeIntervalSince1970: time - 2), finishedAt: Date(timeIntervalSince1970: time), mode: .exact,
            pools: [PoolScan(pool: pool, images: failure == nil ? usages : [], failure: failure)])
    }

    @Test("the store keeps what incremental scans reuse: each complete pool's latest images with their signals, the failed pool's from before, and the cluster clock's bound")
    func reuseMemorySurvivesRestarts() async throws {
        let path = Self.temporaryPath()
        let start = 1_795_000_000.0
        do {
            let store = try HistoryStore(path: path)
            defer { try? store.close() }
            #expect(try await store.reuseMemory() == ReuseMemory(), "nothing before the first scan")
            var first = Self.report(at: start, [("a", 100), ("b", 200), ("gone", 1)])
            first.pools.append(PoolScan(pool: "other", images: Self.report(at: start, [("x", 5)], pool: "other").images))
            first.pools[0].images[0].headerVersion = 41
            first.pools[0].images[0].measuredAt = Date(timeIntervalSince1970: start - 1.25)
            first.clusterClockOffset = -3.5
            try await store.record(first)

            // Then "a" is reused, "b" changed, "gone" is gone, and the other pool failed.
            var second = Self.report(at: start + 60, [("a", 100), ("b", 250)])
            second.pools[0].images[0] = first.pools[0].images[0]
            second.pools[0].images[0].reused = true
            second.pools.append(PoolScan(pool: "other", images: [], failure: ScanFailure(reason: .timeout, message: "timed out")))
            try await store.record(second)
        }
        let reopened = try HistoryStore(path: path)
        defer { try? reopened.close() }
        let memory = try await reopened.reuseMemory()
        #expect(memory.clusterClockOffset == -3.5)
        #expect(Set(memory.images.keys) == ["rbd/a", "rbd/b", "other/x"])
        #expect(memory.images["rbd/a"] == {
            var a = Self.report(at: start, [("a", 100)]).images[0]
            a.headerVersion = 41
            a.measuredAt = Date(timeIntervalSince1970: start - 1.25)
            return a
        }(), "as first measured, every field")
        #expect(memory.images["rbd/b"]?.usedBytes == 250)
        #expect(memory.images["other/x"]?.usedBytes == 5, "a failed pool keeps its rows")
    }

    @Test("an image whose numbers did not change extends its sample instead of adding rows")
    func unchangedNumbersExtendTheSpan() async throws {
        let store = try HistoryStore(path: Self.temporaryPath())
        let start = 1_795_000_000.0
        try await store.record(Self.report(at: start, [("a", 100), ("b", 200)]))
        try await store.record(Self.report(at: start + 60, [("a", 100), ("b", 250)]))
        try await store.record(Self.report(at: start + 120, [("a", 100), ("b", 250)]))
        let samples = try await store.read { db in try SampleRecord.order(Column("id")).fetchAll(db) }
        #expect(samples.count == 3, "a once, b twice")
        let a = try await store.history(of: ImageLocation(pool: "rbd", image: "a"), since: Date(timeIntervalSince1970: start - 10), until: Date(timeIntervalSince1970: start + 200))
        #expect(a.count == 1)
        #expect(a.first?.from == start)
        #expect(a.first?.to == start + 120)
        let b = try await store.history(of: ImageLocation(pool: "rbd", image: "b"), since: Date(timeIntervalSince1970: start - 10), until: Date(timeIntervalSince1970: start + 200))
        #expect(b.map(\.usedBytes) == [200, 250])
        #expect(b.map(\.to) == [start, start + 120])
        #expect(try await store.latestScans(5).map(\.status) == [.success, .success, .success])
    }

    @Test("a failed pool's scan is recorded without touching its images' samples")
    func failedScanLeavesSamplesAlone() async throws {
        let store = try HistoryStore(path: Self.temporaryPath())
        try await store.record(Self.report(at: 1000, [("a", 1)]))
        try await store.record(Self.report(at: 1060, [], failure: ScanFailure(reason: .timeout, message: "ETIMEDOUT")))
        let scans = try await store.latestScans(5)
        #expect(scans.first?.status == .failure)
        #expect(scans.first?.error == "ETIMEDOUT")
        let history = try await store.history(of: ImageLocation(pool: "rbd", image: "a"), since: Date(timeIntervalSince1970: 0), until: Date(timeIntervalSince1970: 2000))
        #expect(history.map(\.to) == [1000])
    }

    @Test("hours and days roll up as time-weighted averages, and old rows are pruned")
    func rollUpsAndRetention() async throws {
        let store = try HistoryStore(path: Self.temporaryPath(), retention: Retention(rawDays: 1, hourlyDays: 3, dailyDays: 30))
        let day0 = 1_795_046_400.0  // a midnight UTC
        // Every 10 minutes for four days the image grows by 1 MiB an hour.
        for step in 0..<(4 * 24 * 6) {
            let time = day0 + Double(step) * 600
            try await store.record(Self.report(at: time, [("a", UInt64(step / 6) << 20)]))
        }
        let now = day0 + 4 * 86400
        let lastScan = now - 600
        let points = try await store.history(of: ImageLocation(pool: "rbd", image: "a"), since: Date(timeIntervalSince1970: day0), until: Date(timeIntervalSince1970: now))
        let resolutions = Set(points.map(\.resolution))
        #expect(resolutions == [.raw, .hour, .day], "raw for the last day, hourly before, daily before that")
        #expect(points.map(\.from) == points.map(\.from).sorted())
        let days = points.filter { $0.resolution == .day }
        let firstDay = try #require(days.first)
        #expect(firstDay.from == day0)
        // Hours 0..23 of day 0 average 11.5 MiB; the average is weighted by time, so close to it.
        #expect(abs(firstDay.usedBytes - 11.5 * 1_048_576) < 0.6 * 1_048_576)
        #expect(firstDay.usedMaximum == 23 << 20)
        let raw = points.filter { $0.resolution == .raw }
        #expect(raw.allSatisfy { $0.to >= lastScan - 86400 }, "raw samples older than a day are pruned")
        let hourlyRows = try await store.read { db in
            try RollupRecord.filter(Column("resolution") == "hour").fetchCount(db)
        }
        #expect(hourlyRows <= 3 * 24 + 1, "hourly rows older than three days are pruned")
    }

    @Test("a scan of ten thousand images commits in one transaction and the file stays sound")
    func largeScanCommits() async throws {
        let store = try HistoryStore(path: Self.temporaryPath())
        let images = (0..<10_000).map { ("image-\($0)", UInt64($0)) }
        try await store.record(Self.report(at: 5000, images))
        try await store.record(Self.report(at: 5300, images.map { ($0.0, $0.1 + ($0.1 % 10 == 0 ? 1 : 0)) }))
        let samples = try await store.read { db in try SampleRecord.fetchCount(db) }
        #expect(samples == 11_000)
        #expect(try await store.integrityCheck() == "ok")
    }

    /// Opens a write transaction on the history, writes a scan and enough samples that SQLite
    /// spills them into the write-ahead log, says so, and waits to be killed.
    static let halfWriter = """
        import sqlite3, sys, time
        db = sqlite3.connect(sys.argv[1], isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO scan (started_at, finished_at, status, mode, images, error) VALUES (200, 201, 'success', 'exact', 100000, NULL)")
        scan = db.execute("SELECT last_insert_rowid()").fetchone()[0]
        image = db.execute("SELECT id FROM image LIMIT 1").fetchone()[0]
        for used in range(100000):
            db.execute("INSERT INTO sample (image_ref, first_scan_id, last_scan_id, first_at, last_at, provisioned_bytes, used_bytes, total_used_bytes) VALUES (?, ?, ?, 201, 201, 1, ?, ?)", (image, scan, scan, used, used))
        print("in the middle of the transaction", flush=True)
        time.sleep(600)
        """

    @Test("a writer killed in the middle of a scan's transaction leaves a sound database without that scan")
    func reopensAfterKilledWriter() async throws {
        let path = Self.temporaryPath()
        let store = try HistoryStore(path: path)
        try await store.record(Self.report(at: 100, [("a", 1)]))
        try store.close()
        let writer = try ChildProcess("python3", ["-c", Self.halfWriter, path])
        _ = try await poll(seconds: 60, every: .milliseconds(50)) { writer.standardOutput.contains("in the middle") || !writer.isRunning }
        try #require(writer.standardOutput.contains("in the middle"), "the writer never got inside its transaction: \(writer.standardError)")
        let walBytes = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        #expect(walBytes > 1 << 20, "the uncommitted samples reached the write-ahead log on disk")
        writer.send(SIGKILL)
        #expect(writer.wait() == 128 + SIGKILL)

        let reopened = try HistoryStore(path: path)
        #expect(try await reopened.integrityCheck() == "ok")
        #expect(try await reopened.latestScans(10).map(\.finishedAt) == [100], "the killed scan left nothing behind")
        #expect(try await reopened.partialScans().isEmpty)
        #expect(try await reopened.read { db in try SampleRecord.fetchCount(db) } == 1)
        try reopened.close()
    }
}
