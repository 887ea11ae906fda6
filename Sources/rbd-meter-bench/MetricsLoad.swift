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
        // Warnings only: a log line per scan would add to what the scrapes compete with.
        let serve = try await ServeRun(self, pool: pool, folder: folder, config: config, logLevel: "warning")
        defer { serve.stop() }
        let url = serve.daemon.baseURL + "/metrics"
        try await serve.waitUntilFinished(1, seconds: 900)
        let firstScan = try await serve.durations(first: 1)[0]
        let scansBefore = try await serve.finished()

        let wrk = WrkResult(parsing: try await Shell.run("wrk", [
            "-t2", "-c16", "-d\(seconds)s", "--latency", "--timeout", "5s",
            "-H", "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
            "-H", "Accept-Encoding: gzip", url,
        ]))
        let samples = try await serve.daemon.metrics()
        let scansDuring = try await serve.finished() - scansBefore
        let peak = serve.daemon.peakResidentBytes

        return LoadResult(
            images: Int(samples["rbd_pool_images{pool=\"\(pool)\"}"] ?? 0),
            firstScanSeconds: firstScan,
            scansDuringLoad: scansDuring,
            requests: wrk.requests, errors: wrk.errors, p50Ms: wrk.p50Milliseconds, p99Ms: wrk.p99Milliseconds,
            peakRSSBytes: peak, historyWriteSeconds: samples["rbd_meter_history_write_seconds"] ?? .nan)
    }
}
