import Foundation
import History
import Metering
@testable import Reports
import Testing
import TestSupport

/// Reports over several SQLite files, one per shard, merged behind one history source.
@Suite("Reports merged over shards")
struct ShardedReportTests {
    static let start = 1_795_046_400.0  // a midnight UTC
    static let step = 600.0
    static let gib = Double(1 << 30)

    /// Eight images in two pools, some growing, over four hours of scans every ten minutes.
    static func scan(at index: Int, finishedAt time: Double) -> ScanReport {
        func image(_ pool: String, _ number: Int) -> ImageUsage {
            let used = UInt64((Double(number) + Double(index) * Double(number % 3) / 6) * gib)
            return ImageUsage(
                pool: pool, namespace: "", image: "vol-\(number)", id: "id-\(pool)-\(number)", provisionedBytes: 50 << 30, usedBytes: used,
                totalUsedBytes: used, snapshots: 0, kubernetes: KubernetesIdentity(pv: "pv-\(number)", pvc: "data-\(number)", pvcNamespace: number % 2 == 0 ? "shop" : "blog"))
        }
        return ScanReport(
            startedAt: Date(timeIntervalSince1970: time - 5), finishedAt: Date(timeIntervalSince1970: time), mode: .exact,
            pools: [PoolScan(pool: "k8s", images: (1...5).map { image("k8s", $0) }), PoolScan(pool: "vm", images: (6...8).map { image("vm", $0) })])
    }

    /// The part of a scan that `shard` meters.
    static func part(_ report: ScanReport, shard: Shard) -> ScanReport {
        var part = report
        part.pools = report.pools.map { pool in
            var kept = pool
            kept.images = pool.images.filter { shard.contains(pool: $0.pool, namespace: $0.namespace, imageID: $0.id) }
            return kept
        }
        return part
    }

    /// One database of every image, and two of the same scans split in shards 0/2 and 1/2, the
    /// second shard finishing its scans `lag` seconds earlier than the first.
    static func histories(in folder: URL, lag: Double = 0) async throws -> (whole: HistoryStore, shards: [HistoryStore]) {
        let whole = try HistoryStore(path: folder.appendingPathComponent("whole.sqlite").path)
        let shards = try (0..<2).map { try HistoryStore(path: folder.appendingPathComponent("shard-\($0).sqlite").path) }
        for index in 0...24 {
            let time = start + Double(index) * step
            try await whole.record(scan(at: index, finishedAt: time))
            for (number, store) in shards.enumerated() {
                try await store.record(part(scan(at: index, finishedAt: time - Double(number) * lag), shard: Shard(index: number, count: 2)!))
            }
        }
        return (whole, shards)
    }

    @Test("the merged report of two shards' databases equals the report of one database of every image")
    func mergedEqualsWhole() async throws {
        try await TemporaryFolder.with("sharded-report") { folder in
            let (whole, shards) = try await Self.histories(in: folder)
            defer { for store in [whole] + shards { try? store.close() } }
            let merged = MergedHistory(shards)
            let since = Date(timeIntervalSince1970: Self.start)
            let now = Date(timeIntervalSince1970: Self.start + 4 * 3600)
            #expect(try await shards[0].extract(from: since, until: now).points.isEmpty == false, "each shard holds some images")
            #expect(try await shards[1].extract(from: since, until: now).points.isEmpty == false, "each shard holds some images")
            for grouping in [ReportGrouping.pool, .pvcNamespace, .image] {
                let expected = try await CapacityReport.build(history: whole, since: since, now: now, grouping: grouping, rules: [])
                let report = try await CapacityReport.build(history: merged, since: since, now: now, grouping: grouping, rules: [])
                #expect(report.csv == expected.csv, "by \(grouping)")
                #expect(report.topGrowers.map(\.subjectName) == expected.topGrowers.map(\.subjectName))
                let expectedUsage = try await UsageMetering.lines(history: whole, from: since, until: now, by: grouping)
                let usage = try await UsageMetering.lines(history: merged, from: since, until: now, by: grouping)
                #expect(usage.map(\.group) == expectedUsage.map(\.group))
                for (line, want) in zip(usage, expectedUsage) {
                    // The same spans, added up in another order.
                    for (value, expected) in [(line.usedGiBHours, want.usedGiBHours), (line.totalUsedGiBHours, want.totalUsedGiBHours),
                                              (line.provisionedGiBHours, want.provisionedGiBHours), (line.coveredHours, want.coveredHours)] {
                        #expect(abs(value - expected) <= 1e-9 * max(abs(expected), 1), "\(line.group) by \(grouping)")
                    }
                }
            }
        }
    }

    @Test("an image is current when its own shard's latest scan saw it, though another shard scanned later")
    func eachShardHasItsLatestScan() async throws {
        try await TemporaryFolder.with("sharded-lag") { folder in
            let (whole, shards) = try await Self.histories(in: folder, lag: 30)
            defer { for store in [whole] + shards { try? store.close() } }
            let since = Date(timeIntervalSince1970: Self.start)
            let now = Date(timeIntervalSince1970: Self.start + 4 * 3600)
            let report = try await CapacityReport.build(history: MergedHistory(shards), since: since, now: now, grouping: .image, rules: [])
            #expect(report.groups.count == 8)
            #expect(report.groups.map(\.group).sorted() == (1...5).map { "k8s/vol-\($0)" } + (6...8).map { "vm/vol-\($0)" })
            let usage = try await UsageMetering.lines(history: MergedHistory(shards), from: since, until: now, by: .image)
            #expect(usage.allSatisfy { $0.coveredHours > 3.9 }, "\(usage.map(\.coveredHours))")
        }
    }

    @Test("an image metered by one shard and then by another (the number of shards changed) counts once in each stretch")
    func reshardedImageIsNoOverlap() async throws {
        try await TemporaryFolder.with("sharded-moved") { folder in
            let (whole, shards) = try await Self.histories(in: folder)
            defer { for store in [whole] + shards { try? store.close() } }
            // A third database that metered every image for the two hours before the others began.
            let before = try HistoryStore(path: folder.appendingPathComponent("before.sqlite").path)
            defer { try? before.close() }
            for index in 0..<12 {
                try await before.record(Self.scan(at: 0, finishedAt: Self.start - 2 * 3600 + Double(index) * Self.step))
            }
            let since = Date(timeIntervalSince1970: Self.start - 2 * 3600)
            let now = Date(timeIntervalSince1970: Self.start + 4 * 3600)
            let usage = try await UsageMetering.lines(history: MergedHistory([before] + shards), from: since, until: now, by: .image)
            #expect(usage.count == 8)
            #expect(usage.allSatisfy { abs($0.coveredHours - 6) < 0.01 }, "\(usage.map(\.coveredHours))")
            let report = try await CapacityReport.build(history: MergedHistory([before] + shards), since: since, now: now, grouping: .image, rules: [])
            #expect(report.groups.count == 8 && report.groups.allSatisfy { $0.images == 1 })
        }
    }

    @Test("a handover quicker than one scan interval (shards reshuffled, pods restarted) is no overlap for any report, and its time counts once")
    func quickHandoverIsNoOverlap() async throws {
        try await TemporaryFolder.with("sharded-quick") { folder in
            let (whole, shards) = try await Self.histories(in: folder)
            defer { for store in [whole] + shards { try? store.close() } }
            // Every image metered for two hours, its last scan half an interval before the shards' first.
            let before = try HistoryStore(path: folder.appendingPathComponent("before.sqlite").path)
            defer { try? before.close() }
            let first = Self.start - 2 * 3600 + Self.step / 2
            for index in 0..<12 {
                try await before.record(Self.scan(at: 0, finishedAt: first + Double(index) * Self.step))
            }
            let since = Date(timeIntervalSince1970: Self.start - 2 * 3600)
            let now = Date(timeIntervalSince1970: Self.start + 4 * 3600)
            let merged = MergedHistory([before] + shards)
            let report = try await CapacityReport.build(history: merged, since: since, now: now, grouping: .image, rules: [])
            #expect(report.groups.count == 8)
            let usage = try await UsageMetering.lines(history: merged, from: since, until: now, by: .image)
            #expect(usage.count == 8)
            // Observed from the first scan on, without a gap, until now: nothing twice.
            let expected = (now.timeIntervalSince1970 - first) / 3600
            #expect(usage.allSatisfy { abs($0.coveredHours - expected) < 0.001 }, "\(usage.map(\.coveredHours)) vs \(expected)")
        }
    }

    @Test("two databases holding the same image at the same time are refused with the image and both files named")
    func overlapIsAnError() async throws {
        try await TemporaryFolder.with("sharded-overlap") { folder in
            let (whole, shards) = try await Self.histories(in: folder)
            defer { for store in [whole] + shards { try? store.close() } }
            let since = Date(timeIntervalSince1970: Self.start)
            let now = Date(timeIntervalSince1970: Self.start + 4 * 3600)
            let merged = MergedHistory([shards[0], whole])
            let error = await #expect(throws: MergedHistory.Overlap.self) {
                try await CapacityReport.build(history: merged, since: since, now: now, grouping: .pool, rules: [])
            }
            let message = "\(try #require(error))"
            #expect(message.contains(shards[0].path) && message.contains(whole.path), "\(message)")
            #expect(message.contains("(id id-"), "\(message)")
            await #expect(throws: MergedHistory.Overlap.self) {
                try await UsageMetering.lines(history: merged, from: since, until: now, by: .pool)
            }
        }
    }
}
