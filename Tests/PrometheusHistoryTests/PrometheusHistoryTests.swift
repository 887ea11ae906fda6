import DevCluster
import Foundation
import History
import Metering
@testable import PrometheusHistory
import Reports
import Testing
import TestSupport

/// Reports read from a real Prometheus (Debian's package) holding two shards' series, against the
/// same scans in the two shards' SQLite files.
@Suite("History from Prometheus")
struct PrometheusHistoryTests {
    /// Runs `body` with the fixture's two databases and a Prometheus holding its series.
    func withHistories(_ body: (ShardedFixture, [HistoryStore], PrometheusServer) async throws -> Void) async throws {
        let fixture = ShardedFixture()
        try await TemporaryFolder.with("prometheus-history") { folder in
            let stores = try await fixture.databases(in: folder)
            defer { for store in stores { try? store.close() } }
            let server = try await PrometheusServer(targets: [], backfill: fixture.openMetrics)
            defer { server.stop() }
            try await body(fixture, stores, server)
        }
    }

    /// How far Prometheus' chargeback may be from SQLite's: a stretch of observation ends, in SQLite,
    /// one scan interval after its last scan and, in Prometheus, when the series goes stale (five
    /// minutes after the last scrape here, as backfilled series carry no staleness marker). Each
    /// image has at most two stretch ends in the period (the outage, the end), each worth one scan
    /// interval at most.
    static let toleratedHoursPerImage = 2 * ShardedFixture.scanInterval / 3600

    @Test("capacity and chargeback from Prometheus equal the merged report of the two shards' databases")
    func prometheusAgreesWithMergedDatabases() async throws {
        try await withHistories { fixture, stores, server in
            let prometheus = PrometheusHistory(endpoint: try PrometheusEndpoint(url: server.url, match: "{job=\"rbd-meter\"}"))
            let merged = MergedHistory(stores)
            let since = Date(timeIntervalSince1970: fixture.start)
            let until = Date(timeIntervalSince1970: fixture.end + 60)
            for grouping in [ReportGrouping.pool, .pvcNamespace, .image] {
                let expected = try await CapacityReport.build(history: merged, since: since, now: until, grouping: grouping, rules: [])
                let report = try await CapacityReport.build(history: prometheus, since: since, now: until, grouping: grouping, rules: [])
                #expect(report.groups.map(\.group) == expected.groups.map(\.group), "by \(grouping)")
                for (row, want) in zip(report.groups, expected.groups) {
                    #expect(row.images == want.images && row.provisionedBytes == want.provisionedBytes, "\(row.group)")
                    #expect(row.usedBytes == want.usedBytes && row.totalUsedBytes == want.totalUsedBytes, "\(row.group)")
                    // The fits see the same changes, up to a scrape later: within 2 % or 10 MiB a day.
                    #expect(abs(row.growthPerDay - want.growthPerDay) <= max(0.02 * abs(want.growthPerDay), Double(10 << 20)), "\(row.group): \(row.growthPerDay) vs \(want.growthPerDay)")
                }
                // Images that grow alike may trade places: the same growers, at the same pace.
                let growers = Dictionary(uniqueKeysWithValues: report.topGrowers.map { ($0.subjectName, $0.growthPerDay) })
                #expect(Set(growers.keys) == Set(expected.topGrowers.map(\.subjectName)))
                for want in expected.topGrowers {
                    #expect(abs((growers[want.subjectName] ?? 0) - want.growthPerDay) <= 0.02 * want.growthPerDay, "\(want.subjectName)")
                }
                #expect(Set(report.idleImages.map(\.image)) == Set(expected.idleImages.map(\.image)))

                let usage = try await UsageMetering.lines(history: prometheus, from: since, until: until, by: grouping)
                let expectedUsage = try await UsageMetering.lines(history: merged, from: since, until: until, by: grouping)
                #expect(usage.map(\.group) == expectedUsage.map(\.group))
                for (line, want) in zip(usage, expectedUsage) {
                    let images = Double(expected.groups.first { $0.group == line.group }?.images ?? 0)
                    let hours = Self.toleratedHoursPerImage
                    #expect(abs(line.coveredHours - want.coveredHours) <= hours, "\(line.group): \(line.coveredHours) vs \(want.coveredHours)")
                    // Each image's stretch ends may differ by `hours` at its largest size (50 GiB provisioned).
                    #expect(abs(line.provisionedGiBHours - want.provisionedGiBHours) <= images * hours * 50, "\(line.group)")
                    #expect(abs(line.usedGiBHours - want.usedGiBHours) <= images * hours * 50, "\(line.group)")
                    #expect(abs(line.usedGiBHours - want.usedGiBHours) <= 0.05 * want.usedGiBHours, "\(line.group): \(line.usedGiBHours) vs \(want.usedGiBHours)")
                }
            }
        }
    }

    @Test("a period read in many small chunks gives the report read in one")
    func chunksJoinSeamlessly() async throws {
        try await withHistories { fixture, _, server in
            let endpoint = try PrometheusEndpoint(url: server.url)
            var chunked = PrometheusHistory(endpoint: endpoint)
            chunked.samplesPerQuery = 16 * 100
            let since = Date(timeIntervalSince1970: fixture.start)
            let until = Date(timeIntervalSince1970: fixture.end)
            #expect(QueryPlan(from: fixture.start, until: fixture.end, series: 8, samplesPerQuery: chunked.samplesPerQuery).chunks.count > 10)
            let whole = try await CapacityReport.build(history: PrometheusHistory(endpoint: endpoint), since: since, now: until, grouping: .image, rules: [])
            let parts = try await CapacityReport.build(history: chunked, since: since, now: until, grouping: .image, rules: [])
            #expect(parts.csv == whole.csv)
            #expect(try await UsageMetering.lines(history: chunked, from: since, until: until, by: .image)
                == UsageMetering.lines(history: PrometheusHistory(endpoint: endpoint), from: since, until: until, by: .image))
        }
    }

    @Test("an image's history from Prometheus has its id and the runs of unchanged numbers, with the outage as a gap")
    func imageHistory() async throws {
        try await withHistories { fixture, stores, server in
            let prometheus = PrometheusHistory(endpoint: try PrometheusEndpoint(url: server.url))
            // Images 3 and 6 do not grow.
            let shard1 = try #require(fixture.images(of: 1, at: fixture.start).first { ["vol-3", "vol-6"].contains($0.image) })
            let location = ImageLocation(pool: shard1.pool, image: shard1.image)
            let since = Date(timeIntervalSince1970: fixture.start)
            let until = Date(timeIntervalSince1970: fixture.end)
            let points = try await prometheus.history(of: location, since: since, until: until)
            #expect(Set(points.map(\.imageID)) == [shard1.id])
            // A steady image of shard 1: one run before the outage, one after.
            #expect(points.count == 2, "\(points.map { ($0.from - fixture.start, $0.to - fixture.start) })")
            let database = try await MergedHistory(stores).history(of: location, since: since, until: until)
            #expect(points.count == database.count)
        }
    }

    @Test("a narrowing selector keeps only the matching exporters' images")
    func selectorNarrows() async throws {
        try await withHistories { fixture, _, server in
            let prometheus = PrometheusHistory(endpoint: try PrometheusEndpoint(url: server.url, match: "{instance=\"shard-0\"}"))
            let report = try await CapacityReport.build(
                history: prometheus, since: Date(timeIntervalSince1970: fixture.start), now: Date(timeIntervalSince1970: fixture.end), grouping: .image, rules: [])
            #expect(Set(report.groups.map(\.group)) == Set(fixture.images(of: 0, at: fixture.end).map { "\($0.pool)/\($0.image)" }))
        }
    }

    @Test("a selector Prometheus cannot parse fails with its HTTP 400 and error, not an empty report")
    func badSelectorIsAnError() async throws {
        try await withHistories { fixture, _, server in
            let prometheus = PrometheusHistory(endpoint: try PrometheusEndpoint(url: server.url, match: "{cluster=~\"(\"}"))
            let error = await #expect(throws: PrometheusError.self) {
                try await UsageMetering.lines(
                    history: prometheus, from: Date(timeIntervalSince1970: fixture.start), until: Date(timeIntervalSince1970: fixture.end), by: .pool)
            }
            let message = "\(try #require(error))"
            #expect(message.contains("HTTP 400") && message.contains("bad_data"), "\(message)")
        }
    }
}
