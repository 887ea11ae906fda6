import TestSupport
import Foundation

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
    /// and times `scans` scans after the first from its history.
    func incrementalScans(_ fixture: Fixture, librbdOnly: Bool, scans: Int = 5) async throws -> IncrementalResult {
        let (folder, config) = try serveConfig(pool: fixture.pool, scan: #""mode": "object", "full_rescan_seconds": 604800, "reuse_settle_seconds": 0, "librbd_only": \#(librbdOnly)"#)
        defer { try? FileManager.default.removeItem(at: folder) }
        let serve = try await ServeRun(self, pool: fixture.pool, folder: folder, config: config)
        defer { serve.stop() }
        // The process CPU time at the end of each scan, read as soon as the history holds it.
        var cpuAtEnd: [Double] = []
        while cpuAtEnd.count < scans + 1 {
            let finished = try await serve.finished()
            guard finished > cpuAtEnd.count else {
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            let cpu = try serve.cpuSeconds()
            cpuAtEnd += Array(repeating: cpu, count: min(finished, scans + 1) - cpuAtEnd.count)
        }
        let opened = try await serve.opened()
        let seconds = try await serve.durations(first: scans + 1)
        let unchanged = seconds.dropFirst().sorted()
        let cpu = zip(cpuAtEnd.dropFirst(2), cpuAtEnd.dropFirst()).map { $0 - $1 }.sorted()
        return IncrementalResult(
            fixture: fixture.description, librbdOnly: librbdOnly, firstScanSeconds: seconds[0],
            unchangedScanSeconds: unchanged[unchanged.count / 2],
            cpuMillisecondsPerImage: cpu[cpu.count / 2] * 1000 / Double(fixture.images),
            imagesOpened: opened, peakRSSBytes: serve.daemon.peakResidentBytes)
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
             "database": {"path": "\(Self.historyPath(in: folder))"}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return (folder, config)
    }

    /// The history of a ``serveConfig(pool:scan:)`` folder.
    static func historyPath(in folder: URL) -> String {
        folder.appendingPathComponent("history.sqlite").path
    }
}
