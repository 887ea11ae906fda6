import DevCluster
import Foundation
import History
import Metering
import PrometheusHistory
import Reports
import Testing

/// Two `serve` replicas, shards 0/2 and 1/2, scraped by a real Prometheus: the report read from
/// Prometheus is the merged report of the two replicas' SQLite files.
@Suite("Reports across serve replicas")
struct ShardedPrometheusReportTests {
    static let scanInterval = 2.0
    static let images = 6

    @Test("capacity and chargeback from Prometheus equal the merged databases of two shard replicas")
    func replicasReportAlike() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("replicas") { pool in
            for index in 0..<Self.images {
                try await dev.rbd("create", "--size", "\(64 * (index + 1))M", "\(pool)/vol-\(index)")
                if index % 2 == 0 { try await dev.write("\(pool)/vol-\(index)", ioSize: "4K", total: "\(16 * (index + 1))K") }
            }
            try await TemporaryFolder.with("rbd-meter-replicas") { folder in
                var daemons: [DaemonProcess] = []
                var databases: [String] = []
                for shard in 0..<2 {
                    let database = folder.appendingPathComponent("shard-\(shard).sqlite").path
                    let config = folder.appendingPathComponent("config-\(shard).json").path
                    try """
                        {"pools": {"names": ["\(pool)"]}, "scan": {"interval_seconds": \(Self.scanInterval), "jitter": 0, "shard": "\(shard)/2", "mode": "object"},
                         "database": {"path": "\(database)"}}
                        """.write(toFile: config, atomically: true, encoding: .utf8)
                    daemons.append(try await DaemonProcess(config: config, environment: ["CEPH_CONF": dev.configFile], logLevel: "warning"))
                    databases.append(database)
                }
                defer { for daemon in daemons { daemon.process.send(SIGKILL) } }
                for daemon in daemons { #expect(try await daemon.waitUntilReady()) }
                let prometheus = try await PrometheusServer(targets: daemons.map { $0.baseURL.replacingOccurrences(of: "http://", with: "") })
                defer { prometheus.stop() }

                // The period starts once Prometheus holds every image of both shards, and ends once
                // it has held them for 30 scrapes (30 s at its 1 s interval) more.
                let seen = try await daemons[0].waitUntil(seconds: 60) {
                    let images = try await prometheus.instantValue("count(rbd_image_total_used_bytes{pool=\"\(pool)\"})")
                    let up = try await prometheus.instantValue("count(rbd_meter_up == 1)")
                    return images == Double(Self.images) && up == 2
                }
                try #require(seen, "Prometheus scrapes both replicas: \(prometheus.log)")
                let since = Date()
                let held = try await daemons[0].waitUntil(seconds: 120) {
                    try await prometheus.instantValue("min(count_over_time(rbd_meter_up[\(Int(Date().timeIntervalSince(since)) + 1)s]))") ?? 0 >= 30
                }
                try #require(held)
                let until = Date()
                for daemon in daemons { try await daemon.stop() }

                let stores = try databases.map { try HistoryStore(path: $0) }
                defer { for store in stores { try? store.close() } }
                let merged = MergedHistory(stores)
                let fromPrometheus = PrometheusHistory(endpoint: try PrometheusEndpoint(url: prometheus.url, match: "{job=\"rbd-meter\"}"))
                #expect(try await stores[0].extract(from: since, until: until).points.count < Self.images, "each replica meters a share")

                let expected = try await CapacityReport.build(history: merged, since: since, now: until, grouping: .image, rules: [])
                let report = try await CapacityReport.build(history: fromPrometheus, since: since, now: until, grouping: .image, rules: [])
                #expect(expected.groups.count == Self.images)
                #expect(report.groups.map(\.group) == expected.groups.map(\.group))
                for (row, want) in zip(report.groups, expected.groups) {
                    #expect(row.provisionedBytes == want.provisionedBytes && row.usedBytes == want.usedBytes && row.totalUsedBytes == want.totalUsedBytes, "\(row.group)")
                }

                // Each image's observed stretch may start and end differently by a scan interval
                // plus a scrape interval (the time a scan's numbers take to be scraped) at each end.
                let toleratedHours = 2 * (Self.scanInterval + 1) / 3600
                let expectedUsage = try await UsageMetering.lines(history: merged, from: since, until: until, by: .image)
                let usage = try await UsageMetering.lines(history: fromPrometheus, from: since, until: until, by: .image)
                #expect(usage.map(\.group) == expectedUsage.map(\.group))
                for (line, want) in zip(usage, expectedUsage) {
                    let gib = (expected.groups.first { $0.group == line.group }?.provisionedBytes ?? 0) / Double(1 << 30)
                    #expect(abs(line.coveredHours - want.coveredHours) <= toleratedHours, "\(line.group): \(line.coveredHours) vs \(want.coveredHours)")
                    #expect(abs(line.provisionedGiBHours - want.provisionedGiBHours) <= gib * toleratedHours, "\(line.group)")
                    #expect(abs(line.usedGiBHours - want.usedGiBHours) <= gib * toleratedHours, "\(line.group)")
                }
            }
        }
    }
}
