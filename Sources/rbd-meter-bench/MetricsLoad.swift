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
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rbd-meter-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("config.json").path
        try """
            {"ceph": {"conf": "\(cephConf)", "osd_op_timeout_seconds": 600},
             "pools": {"names": ["\(pool)"]},
             "scan": {"interval_seconds": 1, "jitter": 0, "mode": "exact", "concurrency": \(concurrency), "full_rescan_every": 1},
             "database": {"path": "\(folder.appendingPathComponent("history.sqlite").path)"}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: rbdMeter)
        daemon.arguments = ["serve", "--config", config, "--listen", "127.0.0.1:0", "--log-level", "warning"]
        let output = Pipe()
        daemon.standardOutput = output
        daemon.standardError = FileHandle.standardError
        try daemon.run()
        defer {
            daemon.terminate()
            daemon.waitUntilExit()
            try? FileManager.default.removeItem(at: folder)
        }
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard let match = line.firstMatch(of: /serving (http:\/\/[^\s]+)\/metrics/) else { throw fail("serve did not start: \(line)") }
        let url = String(match.1) + "/metrics"

        var samples: [String: Double] = [:]
        let deadline = Date().addingTimeInterval(900)
        while samples["rbd_meter_scans_total{result=\"success\"}", default: 0] < 1 {
            guard Date() < deadline else { throw fail("the first scan of \(pool) did not finish") }
            try await Task.sleep(for: .seconds(1))
            samples = try await scrape(url)
        }
        let firstScan = samples["rbd_meter_scan_duration_seconds{pool=\"\(pool)\"}"] ?? 0
        let scansBefore = samples["rbd_meter_scans_total{result=\"success\"}"] ?? 0

        let wrk = try await Process.output("wrk", [
            "-t2", "-c16", "-d\(seconds)s", "--latency", "--timeout", "5s",
            "-H", "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
            "-H", "Accept-Encoding: gzip", url,
        ])
        samples = try await scrape(url)
        let status = (try? String(contentsOfFile: "/proc/\(daemon.processIdentifier)/status", encoding: .utf8)) ?? ""
        let peak = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
            .flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") }.map { $0 * 1024 } ?? 0

        func percentile(_ label: String) -> Double {
            guard let line = wrk.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) }) else { return .nan }
            let value = line.split(separator: " ", omittingEmptySubsequences: true).last.map(String.init) ?? ""
            if value.hasSuffix("ms") { return Double(value.dropLast(2)) ?? .nan }
            if value.hasSuffix("us") { return (Double(value.dropLast(2)) ?? .nan) / 1000 }
            if value.hasSuffix("s") { return (Double(value.dropLast(1)) ?? .nan) * 1000 }
            return .nan
        }
        let requests = wrk.firstMatch(of: /(\d+) requests in/).flatMap { Int($0.1) } ?? 0
        let errors = wrk.firstMatch(of: /Non-2xx or 3xx responses: (\d+)/).flatMap { Int($0.1) } ?? 0
        return LoadResult(
            images: Int(samples["rbd_pool_images{pool=\"\(pool)\"}"] ?? 0),
            firstScanSeconds: firstScan,
            scansDuringLoad: Int((samples["rbd_meter_scans_total{result=\"success\"}"] ?? 0) - scansBefore),
            requests: requests, errors: errors, p50Ms: percentile("50%"), p99Ms: percentile("99%"),
            peakRSSBytes: peak, historyWriteSeconds: samples["rbd_meter_history_write_seconds"] ?? .nan)
    }

    private func scrape(_ url: String) async throws -> [String: Double] {
        let text = try await Process.output("curl", ["-s", "--max-time", "10", url])
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }
}
