import Foundation
import TestSupport

/// What `serve` costs once nothing changes: its first scan, then scans of the same unchanged images.
struct IncrementalResult {
    var fixture: String
    var librbdOnly: Bool
    var firstScanSeconds: Double
    /// The median of the unchanged scans.
    var unchangedScanSeconds: Double
    /// Process CPU time (user + system) from the end of one unchanged scan to the end of the next,
    /// divided by the images: the scan, its history write and the idle second between them.
    var cpuMillisecondsPerImage: Double
    var imagesOpened: Int
    var peakRSSBytes: Int
}

extension Bench {
    /// Runs `rbd-meter serve` on `fixture`'s pool in object mode, one scan a second with nothing
    /// reused from the start (the first scan measures everything) and no full rescan afterwards,
    /// and times `scans` scans after the first from its log.
    func incrementalScans(_ fixture: Fixture, librbdOnly: Bool, scans: Int = 5) async throws -> IncrementalResult {
        let (folder, config) = try serveConfig(pool: fixture.pool, scan: #""mode": "object", "full_rescan_seconds": 604800, "reuse_settle_seconds": 0, "librbd_only": \#(librbdOnly)"#)
        defer { try? FileManager.default.removeItem(at: folder) }
        let daemon = try ChildProcess(rbdMeter, ["serve", "--config", config, "--listen", "127.0.0.1:0", "--log-level", "info"])
        defer {
            daemon.send(SIGTERM)
            daemon.wait()
        }
        // Each "scan finished" line, with the process CPU time read as soon as it appeared.
        var finished: [(seconds: Double, cpu: Double)] = []
        var opened = 0
        let deadline = Date().addingTimeInterval(1800)
        while finished.count < scans + 1 {
            guard daemon.isRunning, Date() < deadline else { throw fail("serve stopped or stalled: \(daemon.standardError.suffix(2000))") }
            try await Task.sleep(for: .milliseconds(20))
            let lines = daemon.standardError.split(separator: "\n").filter { $0.contains("scan finished") }
            guard lines.count > finished.count else { continue }
            let cpu = try processCPUSeconds(daemon.pid)
            for line in lines[finished.count...] {
                guard let seconds = line.firstMatch(of: /seconds=([0-9.]+)/).flatMap({ Double($0.1) }) else {
                    throw fail("unexpected log line: \(line)")
                }
                guard line.contains("failure=none") else { throw fail("a scan failed: \(line)") }
                finished.append((seconds, cpu))
                opened = line.firstMatch(of: /opened=([0-9]+)/).flatMap { Int($0.1) } ?? opened
            }
        }
        let unchanged = finished.dropFirst()
        let cpu = zip(unchanged.dropFirst(), unchanged).map { $0.cpu - $1.cpu }.sorted()
        let peak = daemon.peakResidentBytes
        return IncrementalResult(
            fixture: fixture.description, librbdOnly: librbdOnly, firstScanSeconds: finished[0].seconds,
            unchangedScanSeconds: unchanged.map(\.seconds).sorted()[unchanged.count / 2],
            cpuMillisecondsPerImage: cpu[cpu.count / 2] * 1000 / Double(fixture.images),
            imagesOpened: opened, peakRSSBytes: peak)
    }

    /// A folder holding the config of `serve` metering `pool`, one scan a second, with the keys of
    /// `scan` added to its scan section, and the history beside it.
    func serveConfig(pool: String, scan: String) throws -> (folder: URL, config: String) {
        let folder = try TemporaryFolder.make("rbd-meter-bench")
        let config = folder.appendingPathComponent("config.json").path
        try """
            {"ceph": {"conf": "\(cephConf)", "osd_op_timeout_seconds": 600},
             "pools": {"names": ["\(pool)"]},
             "scan": {"interval_seconds": 1, "jitter": 0, "concurrency": \(concurrency), \(scan)},
             "database": {"path": "\(folder.appendingPathComponent("history.sqlite").path)"}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return (folder, config)
    }

    /// User plus system CPU seconds of process `pid`, from `/proc/PID/stat`.
    func processCPUSeconds(_ pid: pid_t) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command name, which is in parentheses and may hold spaces.
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (Double(fields[11])! + Double(fields[12])!) / ticks
    }
}
