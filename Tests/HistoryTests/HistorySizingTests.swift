import Foundation
import GRDB
@testable import History
import Metering
import Testing
import TestSupport

/// What the history costs on disk, measured on the real schema: the figures deploy/README.md sizes
/// the history volume with.
@Suite("History sizing")
struct HistorySizingTests {
    @Test("a day of 5-minute scans costs at most 40 KiB per growing image and 3 KiB per idle one (measured over 8 hours of 500 images, a tenth of them growing)")
    func dayOfScansFitsTheStatedSize() async throws {
        try await TemporaryFolder.with("history-sizing") { folder in
            let store = try HistoryStore(path: folder.appendingPathComponent("history.sqlite").path)
            defer { try? store.close() }
            let start = 1_795_046_400.0  // a midnight UTC
            let images = 500, growing = 50, interval = 300.0, scans = 96
            let scansPerDay = 86400 / interval
            for scan in 0...scans {
                let time = start + Double(scan) * interval
                let usages = (0..<images).map { index in
                    let used = UInt64(index) << 24 + (index < growing ? UInt64(scan) << 16 : 0)
                    return ImageUsage(
                        pool: "replicapool", namespace: "", image: "csi-vol-\(UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", index))!.uuidString.lowercased())",
                        id: String(format: "%012x", 0x1a2b_3c00_0000 + index), provisionedBytes: 20 << 30, usedBytes: used, totalUsedBytes: used, snapshots: 0,
                        kubernetes: KubernetesIdentity(pv: "pvc-\(index)", pvc: "data-postgres-\(index)", pvcNamespace: "team-\(index % 20)"),
                        modifyTimestamp: start, measuredAt: Date(timeIntervalSince1970: time - 10), watchers: index < growing ? 1 : 0,
                        createTimestamp: start - 86400, headerVersion: UInt64(scan), changedAt: Date(timeIntervalSince1970: time - 10))
                }
                let report = ScanReport(
                    startedAt: Date(timeIntervalSince1970: time - 20), finishedAt: Date(timeIntervalSince1970: time), mode: .exact,
                    pools: [PoolScan(pool: "replicapool", images: usages)])
                try await store.record(report)
            }
            // Bytes per table from SQLite's own page accounting (Debian builds it with dbstat).
            let tables = try await store.read { db in
                try Row.fetchAll(db, sql: "SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name")
                    .map { (name: $0["name"] as String, bytes: $0["bytes"] as Int64) }
            }
            let rows = try await store.read { db in
                (samples: try SampleRecord.fetchCount(db), hourly: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rollup WHERE resolution = 'hour'") ?? 0)
            }
            let bytes = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, Double($0.bytes)) })
            func sum(_ prefix: String) -> Double { bytes.filter { $0.key.hasPrefix(prefix) || $0.key.contains("_\(prefix)") }.values.reduce(0, +) }
            let perSample = sum("sample") / Double(rows.samples)
            let perHourly = sum("rollup") / Double(max(rows.hourly, 1))
            let perReuse = sum("reuse_image") / Double(images)
            let perImage = sum("image") / Double(images) - perReuse
            // A growing image: a sample per scan and an hourly roll-up per hour; an idle one: a
            // sample a day (its span grows) and the roll-ups.
            let growingPerDay = scansPerDay * perSample + 24 * perHourly
            let idlePerDay = perSample + 24 * perHourly
            print("history sizing: \(rows.samples) samples, \(rows.hourly) hourly roll-ups; bytes per sample \(Int(perSample)), per hourly roll-up \(Int(perHourly)), per image record \(Int(perImage)), per reuse row \(Int(perReuse)); per day: growing image \(Int(growingPerDay)), idle image \(Int(idlePerDay))")
            for (name, size) in tables.sorted(by: { $0.name < $1.name }) { print("history sizing: \(name) \(size) bytes") }
            #expect(rows.samples == growing * (scans + 1) + (images - growing))
            #expect(growingPerDay <= 40 * 1024)
            #expect(idlePerDay <= 3 * 1024)
        }
    }
}
