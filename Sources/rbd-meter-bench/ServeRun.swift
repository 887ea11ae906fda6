import DevCluster
import Foundation
import History
import TestSupport

/// `rbd-meter serve` as the benchmark runs it, on a config of ``Bench/serveConfig(pool:scan:)``:
/// its scans counted and timed from its history, never from its log. The history is polled rather
/// than `/metrics`, whose rendering would add to the CPU time being measured.
struct ServeRun {
    let daemon: DaemonProcess
    let pool: String
    private let history: HistoryStore

    /// Starts serve; it has opened (and created) its history once it serves.
    init(_ bench: Bench, pool: String, folder: URL, config: String, logLevel: String = "info") async throws {
        daemon = try await DaemonProcess(config: config, environment: ["CEPH_CONF": bench.cephConf], timeout: 120, logLevel: logLevel, executable: bench.rbdMeter)
        self.pool = pool
        history = try HistoryStore(path: Bench.historyPath(in: folder))
    }

    /// Stops serve (SIGTERM), waits for it to end and closes the history.
    func stop() {
        daemon.process.send(SIGTERM)
        daemon.process.wait()
        try? history.close()
    }

    /// The scans serve finished and recorded, oldest first; fails when one did not succeed.
    func scans() async throws -> [ScanRecord] {
        let scans = try await history.latestScans(Int(Int32.max)).reversed()
        if let failed = scans.first(where: { $0.status != .success }) {
            throw fail("a scan did not succeed: \(failed.status) \(failed.error ?? "")")
        }
        return Array(scans)
    }

    /// How many scans serve finished.
    func finished() async throws -> Int {
        guard daemon.process.isRunning else { throw fail("serve stopped: \(daemon.log.suffix(2000))") }
        return try await scans().count
    }

    /// Waits until `count` scans have finished; fails when serve stops or `seconds` pass first.
    func waitUntilFinished(_ count: Int, seconds: Double = 1800) async throws {
        guard try await daemon.waitUntil(seconds: seconds, { try await finished() >= count }) else {
            throw fail("serve did not finish \(count) scans: \(daemon.log.suffix(2000))")
        }
    }

    /// Scans begun (`rbd_meter_scans_started_total`).
    func started() async throws -> Int {
        Int(try await daemon.metrics()["rbd_meter_scans_started_total"] ?? 0)
    }

    /// Images the latest scan opened with librbd (`rbd_meter_images_opened`).
    func opened() async throws -> Int {
        Int(try await daemon.metrics()[#"rbd_meter_images_opened{pool="\#(pool)"}"#] ?? 0)
    }

    /// How long each of the first `count` scans took, start to end, in seconds.
    func durations(first count: Int) async throws -> [Double] {
        let scans = try await scans().prefix(count)
        guard scans.count == count else { throw fail("the history holds \(scans.count) scans, not \(count)") }
        return scans.map { $0.finishedAt - $0.startedAt }
    }

    /// User plus system CPU seconds of serve so far, from `/proc/PID/stat`.
    func cpuSeconds() throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(daemon.process.pid)/stat", encoding: .utf8)
        // Fields after the command name, which is in parentheses and may hold spaces.
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (Double(fields[11])! + Double(fields[12])!) / ticks
    }
}
