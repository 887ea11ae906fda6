import TestSupport
import Foundation

/// How `/metrics` of a daemon metering many images holds up under load while it keeps scanning.
struct LoadResult {
    var images: Int
    var firstScanSeconds: Double
    var scansDuringLoad: Int
    var requests: Int
    var errors: Int
    var p50Ms: Double
    var p99Ms: Double
    var peakRSSBytes: Int
    var historyWriteSeconds: Double
}

extension Bench {
    /// Starts `rbd-meter serve` on `pool`, waits for its first scan, then runs wrk against `/metrics`
    /// with Prometheus' own headers while scans go on back to back.
    func loadMetrics(pool: String, seconds: Int) async throws -> LoadResult {
        let folder = try TemporaryFolder.make("rbd-meter-bench")
        let config = folder.appendingPathComponent("config.json").path
        try """
            {"ceph": {"conf": "\(cephConf)", "osd_op_timeout_seconds": 600},
             "pools": {"names": ["\(pool)"]},
             "scan": {"interval_seconds": 1, "jitter": 0, "mode": "exact", "concurrency": \(concurrency), "full_rescan_seconds": 0},
             "database": {"path": "\(folder.appendingPathComponent("history.sqlite").path)"}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try ChildProcess(rbdMeter, ["serve", "--config", config, "--listen", "127.0.0.1:0", "--log-level", "warning"])
        defer {
            daemon.send(SIGTERM)
            daemon.wait()
            try? FileManager.default.removeItem(at: folder)
        }
        let started = Date()
        var served: Substring?
        while served == nil {
            served = daemon.standardOutput.firstMatch(of: /serving (http:\/\/[^\s]+)\/metrics/)?.1
            guard served != nil || (daemon.isRunning && Date().timeIntervalSince(started) < 60) else {
                throw fail("serve did not start: \(daemon.standardError)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let url = String(served!) + "/metrics"

        var samples: [String: Double] = [:]
        let deadline = Date().addingTimeInterval(900)
        while samples["rbd_meter_scans_total{result=\"success\"}", default: 0] < 1 {
            guard Date() < deadline else { throw fail("the first scan of \(pool) did not finish") }
            try await Task.sleep(for: .seconds(1))
            samples = try await scrape(url)
        }
        let firstScan = samples["rbd_meter_scan_duration_seconds{pool=\"\(pool)\"}"] ?? 0
        let scansBefore = samples["rbd_meter_scans_total{result=\"success\"}"] ?? 0

        let wrk = WrkResult(parsing: try await Shell.run("wrk", [
            "-t2", "-c16", "-d\(seconds)s", "--latency", "--timeout", "5s",
            "-H", "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
            "-H", "Accept-Encoding: gzip", url,
        ]))
        samples = try await scrape(url)
        let peak = daemon.peakResidentBytes

        return LoadResult(
            images: Int(samples["rbd_pool_images{pool=\"\(pool)\"}"] ?? 0),
            firstScanSeconds: firstScan,
            scansDuringLoad: Int((samples["rbd_meter_scans_total{result=\"success\"}"] ?? 0) - scansBefore),
            requests: wrk.requests, errors: wrk.errors, p50Ms: wrk.p50Milliseconds, p99Ms: wrk.p99Milliseconds,
            peakRSSBytes: peak, historyWriteSeconds: samples["rbd_meter_history_write_seconds"] ?? .nan)
    }

    private func scrape(_ url: String) async throws -> [String: Double] {
        let text = try await Shell.run("curl", ["-s", "--max-time", "10", url])
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }
}
