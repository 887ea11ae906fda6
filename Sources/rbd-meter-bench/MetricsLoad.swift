import DevCluster
import Foundation
import TestSupport

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
        let (folder, config) = try serveConfig(pool: pool, scan: #""mode": "exact", "full_rescan_seconds": 0"#)
        defer { try? FileManager.default.removeItem(at: folder) }
        let daemon = try await DaemonProcess(config: config, environment: ["CEPH_CONF": cephConf], timeout: 60, logLevel: "warning", executable: rbdMeter)
        defer {
            daemon.process.send(SIGTERM)
            daemon.process.wait()
        }
        let url = daemon.baseURL + "/metrics"

        var samples: [String: Double] = [:]
        let deadline = Date().addingTimeInterval(900)
        while samples["rbd_meter_scans_total{result=\"success\"}", default: 0] < 1 {
            guard Date() < deadline else { throw fail("the first scan of \(pool) did not finish") }
            try await Task.sleep(for: .seconds(1))
            samples = try await daemon.metrics()
        }
        let firstScan = samples["rbd_meter_scan_duration_seconds{pool=\"\(pool)\"}"] ?? 0
        let scansBefore = samples["rbd_meter_scans_total{result=\"success\"}"] ?? 0

        let wrk = WrkResult(parsing: try await Shell.run("wrk", [
            "-t2", "-c16", "-d\(seconds)s", "--latency", "--timeout", "5s",
            "-H", "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
            "-H", "Accept-Encoding: gzip", url,
        ]))
        samples = try await daemon.metrics()
        let peak = daemon.peakResidentBytes

        return LoadResult(
            images: Int(samples["rbd_pool_images{pool=\"\(pool)\"}"] ?? 0),
            firstScanSeconds: firstScan,
            scansDuringLoad: Int((samples["rbd_meter_scans_total{result=\"success\"}"] ?? 0) - scansBefore),
            requests: wrk.requests, errors: wrk.errors, p50Ms: wrk.p50Milliseconds, p99Ms: wrk.p99Milliseconds,
            peakRSSBytes: peak, historyWriteSeconds: samples["rbd_meter_history_write_seconds"] ?? .nan)
    }
}
