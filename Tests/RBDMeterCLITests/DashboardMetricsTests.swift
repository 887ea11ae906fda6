import DevCluster
import Foundation
import Testing

/// The dashboards and rules may only name metrics that `/metrics` really exports.
@Suite("Dashboards and rules")
struct DashboardMetricsTests {
    /// Every rbd-meter or process metric named in a query of the dashboards and rule files.
    static func metricNames() throws -> [String: Set<String>] {
        let folder = DevCluster.packageRoot.appendingPathComponent("dashboards")
        var names: [String: Set<String>] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".json") || file.hasSuffix(".yml") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            // Recording rules (level:metric:operation) have colons and are Prometheus' own names.
            for match in text.matches(of: /[A-Za-z_:][A-Za-z0-9_:]*/) {
                let token = String(match.0)
                // Comments write families as rbd_*_growth...: a name cut at "_" is no metric.
                if (token.hasPrefix("rbd_") || token.hasPrefix("process_")) && !token.contains(":") && !token.hasSuffix("_") {
                    names[file, default: []].insert(token)
                }
            }
        }
        return names
    }

    @Test("every metric of the dashboards and rules appears in a real scrape with quotas and forecasts on")
    func dashboardsUseExportedMetrics() async throws {
        let used = try Self.metricNames()
        #expect(used.keys.count >= 3, "rules and both dashboards were read: \(used.keys.sorted())")
        let dev = try await DevCluster.shared()
        try await dev.withPool("dash") { pool in
            try await dev.rbd("create", "--size", "256M", "\(pool)/vol")
            try await dev.write("\(pool)/vol", ioSize: "4K", total: "64K")
            let folder = try TemporaryFolder.make("rbd-meter-dash")
            let config = folder.appendingPathComponent("config.json").path
            try """
                {"pools": {"names": ["\(pool)"]}, "scan": {"interval_seconds": 2},
                 "database": {"path": "\(folder.appendingPathComponent("h.sqlite").path)"},
                 "forecast": {"refresh_seconds": 0},
                 "quotas": [{"name": "all", "scope": "pool", "limit": "1TiB"}]}
                """.write(toFile: config, atomically: true, encoding: .utf8)
            let daemon = try await DaemonProcess(config: config, environment: ["CEPH_CONF": dev.configFile])
            #expect(try await daemon.waitUntilReady())
            // Forecasts follow the history write that follows the scan: wait for them to show.
            var scrape = ""
            _ = try await daemon.waitUntil(seconds: 30) {
                scrape = try await daemon.get("/metrics").body
                return scrape.contains("rbd_pool_growth_bytes_per_day{")
            }
            try await daemon.stop()
            let declared = Set(scrape.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("# TYPE ") else { return nil }
                return line.split(separator: " ")[2].description
            })
            for (file, names) in used {
                let missing = names.filter { !declared.contains($0) && !declared.contains($0.replacing(/_total$/, with: "")) }
                #expect(missing.isEmpty, "\(file) uses metrics /metrics does not export: \(missing.sorted())")
            }
            #expect(scrape.contains("rbd_quota_used_ratio{rule=\"all\""))
            #expect(scrape.contains("rbd_pool_growth_bytes_per_day{pool=\"\(pool)\"}"))
        }
    }
}
