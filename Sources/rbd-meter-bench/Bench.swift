import TestSupport
import Foundation
import Metering
import RBD

/// The tools under test and the cluster they run against.
struct Bench {
    let cephConf: String
    let rbdMeter: String
    let concurrency: Int
    let cluster: Cluster

    init(cephConf: String, rbdMeter: String, concurrency: Int) async throws {
        self.cephConf = cephConf
        self.rbdMeter = rbdMeter
        self.concurrency = concurrency
        self.cluster = try await Cluster.connect(
            ConnectionOptions(configFile: cephConf, connectTimeout: 30, osdOperationTimeout: 600), on: BlockingPool(threads: 16))
    }

    /// Emulates network latency: the OSD holds each message from a client for a random time up to
    /// `milliseconds` (Ceph's `ms_inject_delay_*`). Connections made afterwards are affected, and
    /// every timed run makes its own.
    func setLatency(milliseconds: Double) async throws {
        let settings = [("ms_inject_delay_type", "client"), ("ms_inject_delay_max", String(milliseconds / 1000)), ("ms_inject_delay_probability", "1")]
        for (key, value) in settings {
            if milliseconds > 0 {
                try await Shell.run("ceph", ["--conf", cephConf, "config", "set", "osd", key, value])
            } else {
                try await Shell.run("ceph", ["--conf", cephConf, "config", "rm", "osd", key])
            }
        }
        try await Task.sleep(for: .seconds(1))
    }

    /// Times every tool on one fixture and checks that they agree.
    func time(_ fixture: Fixture, latency: Double) async throws -> TimingRow {
        var row = TimingRow(fixture: fixture.description, latencyMs: latency)

        let du = try await du(fixture.pool)
        row.rbdDu = du.seconds

        let (serialSeconds, serialTotal) = try await timed { try await originalSerial(pool: fixture.pool) }
        row.originalSerial = serialSeconds

        for mode in ["object", "exact"] {
            let scan = try await scan(fixture.pool, mode: mode)
            if mode == "object" {
                row.meterObject = scan.seconds
                row.methods = scan.methods
                if scan.totalUsedBytes != du.totalUsedBytes { row.mismatches.append("\(fixture): object mode \(scan.totalUsedBytes) B, rbd du \(du.totalUsedBytes) B") }
            } else {
                row.meterExact = scan.seconds
                if scan.totalUsedBytes != serialTotal { row.mismatches.append("\(fixture): exact mode \(scan.totalUsedBytes) B, serial diff \(serialTotal) B") }
            }
        }
        row.usedBytes = du.totalUsedBytes
        return row
    }

    /// Times `rbd-meter scan` of `pool`, with the CPU its process used (it is the only child running).
    func scan(_ pool: String, mode: String) async throws -> ScanRun {
        let cpuBefore = childrenCPUSeconds()
        let (seconds, output) = try await timed {
            try await Shell.run(rbdMeter, [
                "scan", "--ceph-conf", cephConf, "--pool", pool, "--mode", mode, "--format", "json",
                "--concurrency", String(concurrency),
            ])
        }
        let cpu = childrenCPUSeconds() - cpuBefore
        struct Scan: Decodable {
            struct Image: Decodable { var image: String; var total_used_bytes: UInt64; var method: String }
            var images: [Image]
        }
        let images = try JSONDecoder().decode(Scan.self, from: Data(output.utf8)).images
        return ScanRun(
            seconds: seconds, cpuSeconds: cpu, methods: Set(images.map(\.method)).sorted().joined(separator: ","),
            images: images.reduce(into: [:]) { $0[$1.image, default: 0] += $1.total_used_bytes })
    }

    /// Times `rbd du -p` of `pool` (`--exact` if asked).
    func du(_ pool: String, exact: Bool = false) async throws -> DiskUsageRun {
        let arguments = ["--conf", cephConf, "du", "-p", pool, "--format", "json"] + (exact ? ["--exact"] : [])
        let (seconds, output) = try await timed { try await Shell.run("rbd", arguments) }
        struct DiskUsage: Decodable {
            struct Row: Decodable { var name: String; var used_size: UInt64 }
            var images: [Row]
        }
        let rows = try JSONDecoder().decode(DiskUsage.self, from: Data(output.utf8)).images
        return DiskUsageRun(seconds: seconds, images: rows.reduce(into: [:]) { $0[$1.name, default: 0] += $1.used_size })
    }

    /// User plus system CPU seconds of this process's children that have ended and been waited for.
    func childrenCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// The original service's approach: one image after another, `rbd_diff_iterate2` over the whole
    /// image, summing the byte extents that exist, on a connection of its own.
    func originalSerial(pool: String) async throws -> UInt64 {
        let threads = BlockingPool(threads: 1)
        let connection = try await Cluster.connect(
            ConnectionOptions(configFile: cephConf, connectTimeout: 30, osdOperationTimeout: 600), on: threads)
        let context = try await connection.ioContext(pool: pool)
        var total: UInt64 = 0
        for image in try await context.images() {
            total += try await context.withImage(image.name) { image in
                let size = try image.info().size
                var used: UInt64 = 0
                try image.diffIterate(from: nil, offset: 0, length: size, includeParent: false, wholeObject: false) { extent in
                    if extent.exists { used += extent.length }
                    return .proceed
                }
                return used
            }
        }
        await connection.close()
        await threads.shutdown()
        return total
    }
}

/// A timed `rbd-meter scan`: seconds, its process's CPU seconds, its methods, each image's total.
struct ScanRun {
    var seconds: Double
    var cpuSeconds: Double
    var methods: String
    var images: [String: UInt64]
    var totalUsedBytes: UInt64 { images.values.reduce(0, +) }
}

/// A timed `rbd du -p`: seconds, and each image's snapshots and head added up.
struct DiskUsageRun {
    var seconds: Double
    var images: [String: UInt64]
    var totalUsedBytes: UInt64 { images.values.reduce(0, +) }
}

/// Seconds `body` took, and its result.
func timed<T>(_ body: () async throws -> T) async throws -> (Double, T) {
    let clock = ContinuousClock()
    let start = clock.now
    let result = try await body()
    let elapsed = clock.now - start
    return (elapsed.inSeconds, result)
}
