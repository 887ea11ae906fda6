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

        let (duSeconds, duTotal) = try await du(fixture.pool)
        row.rbdDu = duSeconds

        let (serialSeconds, serialTotal) = try await timed { try await originalSerial(pool: fixture.pool) }
        row.originalSerial = serialSeconds

        for mode in ["object", "exact"] {
            let (seconds, total, methods) = try await scan(fixture.pool, mode: mode)
            if mode == "object" {
                row.meterObject = seconds
                row.methods = methods
                if total != duTotal { row.mismatches.append("\(fixture): object mode \(total) B, rbd du \(duTotal) B") }
            } else {
                row.meterExact = seconds
                if total != serialTotal { row.mismatches.append("\(fixture): exact mode \(total) B, serial diff \(serialTotal) B") }
            }
        }
        row.usedBytes = duTotal
        return row
    }

    /// Times `rbd-meter scan` of `pool`: seconds, total used bytes, the methods it used.
    func scan(_ pool: String, mode: String) async throws -> (seconds: Double, totalUsedBytes: UInt64, methods: String) {
        let (seconds, output) = try await timed {
            try await Shell.run(rbdMeter, [
                "scan", "--ceph-conf", cephConf, "--pool", pool, "--mode", mode, "--format", "json",
                "--concurrency", String(concurrency),
            ])
        }
        struct Scan: Decodable {
            struct Image: Decodable { var total_used_bytes: UInt64; var method: String }
            var images: [Image]
        }
        let scan = try JSONDecoder().decode(Scan.self, from: Data(output.utf8))
        let total = scan.images.reduce(0) { $0 + $1.total_used_bytes }
        return (seconds, total, Set(scan.images.map(\.method)).sorted().joined(separator: ","))
    }

    /// `rbd du -p` of `pool`: seconds and total used bytes.
    func du(_ pool: String) async throws -> (seconds: Double, totalUsedBytes: UInt64) {
        let (seconds, output) = try await timed { try await Shell.run("rbd", ["--conf", cephConf, "du", "-p", pool, "--format", "json"]) }
        struct DiskUsage: Decodable { var total_used_size: UInt64 }
        return (seconds, try JSONDecoder().decode(DiskUsage.self, from: Data(output.utf8)).total_used_size)
    }

    /// The original service's approach: one image after another, `rbd_diff_iterate2` over the whole
    /// image, summing the byte extents that exist, on a connection of its own.
    func originalSerial(pool: String) async throws -> UInt64 {
        let connection = try await Cluster.connect(
            ConnectionOptions(configFile: cephConf, connectTimeout: 30, osdOperationTimeout: 600), on: BlockingPool(threads: 1))
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
        return total
    }
}

/// Seconds `body` took, and its result.
func timed<T>(_ body: () async throws -> T) async throws -> (Double, T) {
    let clock = ContinuousClock()
    let start = clock.now
    let result = try await body()
    let elapsed = clock.now - start
    return (elapsed.inSeconds, result)
}
