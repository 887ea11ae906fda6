import Foundation
import Metering
import RBD
import TestSupport

/// One snapshot fixture measured by `rbd du -p` and `rbd-meter scan` in both modes, image by image,
/// and `serve`'s unchanged rescans of it.
struct SnapshotRow {
    var fixture: Fixture
    var snapshots: Int
    var duObject: Double
    var duExact: Double
    var scanObject: TimedScan
    var scanExact: TimedScan
    var unchanged: IncrementalResult
    /// The same scans through librbd (header reads off, the listing on: the path before the direct
    /// reads), for the layering-only fixture.
    var librbd: (object: Double, exact: Double)?
}

/// A timed `rbd-meter scan`: seconds, the process's CPU seconds, its methods.
struct TimedScan {
    var seconds: Double
    var cpuSeconds: Double
    var methods: String
}

extension Bench {
    /// 1 GiB images with the default features (fast-diff), each written at the scale fixture's
    /// three seeded offsets, then `snapshots` times a snapshot followed by one more 4 KiB write at
    /// a seeded offset: every snapshot and the head hold data of their own.
    func snapshotFixture(pool: String, images: Int, snapshots: Int, features: ImageFeatures? = nil) async throws -> Fixture {
        try await createPool(pool)
        let context = try await cluster.ioContext(pool: pool)
        let existing = Set(try await context.images().map(\.name))
        try await forEachConcurrently(0..<images, limit: 16) { index in
            let name = String(format: "vol-%05d", index)
            guard !existing.contains(name) else { return }
            try await context.createImage(name, size: 1 << 30, options: ImageCreateOptions(features: features))
            try await context.withImage(name, readOnly: false) { image in
                let block = [UInt8](repeating: 0x5A, count: 4096)
                for offset in Fixture.scaleWrites(index) { try image.write(block, at: offset) }
                var random = SplitMix(seed: UInt64(index) << 8)
                for snapshot in 0..<snapshots {
                    try image.createSnapshot("s\(snapshot + 1)")
                    try image.write(block, at: (random.next() % ((1 << 30) / 4096)) * 4096)
                }
            }
        }
        let kind = features == [.layering] ? "layering" : "default features"
        let label = snapshots == 0 ? "\(kind), no snapshot" : "\(kind), \(snapshots) snapshot\(snapshots == 1 ? "" : "s")"
        return Fixture(pool: pool, images: images, sizeGiB: 1, features: label)
    }

    /// Times `rbd du -p` and `rbd-meter scan` on `fixture` in both modes and checks every image
    /// against `rbd du`; then `serve`'s unchanged rescans; with `throughLibrbd`, also the scans
    /// through librbd.
    func snapshotScans(_ fixture: Fixture, snapshots: Int, throughLibrbd: Bool = false) async throws -> SnapshotRow {
        var du: [String: (seconds: Double, images: [String: UInt64])] = [:]
        var scans: [String: TimedScan] = [:]
        for mode in ["object", "exact"] {
            log("timing rbd du -p\(mode == "exact" ? " --exact" : "") and rbd-meter scan --mode \(mode) of \(fixture.pool)")
            du[mode] = try await duByImage(fixture.pool, exact: mode == "exact")
            let (scan, images) = try await timedScan(fixture.pool, mode: mode)
            scans[mode] = scan
            let disagreeing = images.filter { du[mode]!.images[$0.key] != $0.value }
            guard disagreeing.isEmpty, images.count == du[mode]!.images.count else {
                throw fail("\(fixture) \(mode): \(disagreeing.count) images differ from rbd du, e.g. \(disagreeing.first.map { "\($0.key): \($0.value) B" } ?? "a missing image")")
            }
        }
        var librbd: (object: Double, exact: Double)?
        if throughLibrbd {
            var seconds: [UsageMode: Double] = [:]
            for mode in UsageMode.allCases {
                log("timing a scan of \(fixture.pool) through librbd, \(mode) mode")
                let options = ScanOptions(pools: [fixture.pool], mode: mode, concurrency: concurrency, librbdOnly: true)
                let (elapsed, report) = try await timed { await Scanner(cluster: cluster, options: options).scan() }
                let images = report.images.reduce(into: [String: UInt64]()) { $0[$1.image] = $1.totalUsedBytes }
                guard report.succeeded, images == du[mode.rawValue]!.images else { throw fail("\(fixture) through librbd, \(mode) mode: not what rbd du says") }
                seconds[mode] = elapsed
            }
            librbd = (seconds[.object]!, seconds[.exact]!)
        }
        log("timing serve's unchanged rescans of \(fixture.pool)")
        return SnapshotRow(
            fixture: fixture, snapshots: snapshots, duObject: du["object"]!.seconds, duExact: du["exact"]!.seconds,
            scanObject: scans["object"]!, scanExact: scans["exact"]!, unchanged: try await incrementalScans(fixture, librbdOnly: false),
            librbd: librbd)
    }

    /// `rbd du -p` of `pool`: seconds, and each image's snapshots and head added up.
    func duByImage(_ pool: String, exact: Bool) async throws -> (seconds: Double, images: [String: UInt64]) {
        let arguments = ["--conf", cephConf, "du", "-p", pool, "--format", "json"] + (exact ? ["--exact"] : [])
        let (seconds, output) = try await timed { try await Shell.run("rbd", arguments) }
        struct DiskUsage: Decodable {
            struct Row: Decodable { var name: String; var used_size: UInt64 }
            var images: [Row]
        }
        let rows = try JSONDecoder().decode(DiskUsage.self, from: Data(output.utf8)).images
        return (seconds, rows.reduce(into: [:]) { $0[$1.name, default: 0] += $1.used_size })
    }

    /// Times `rbd-meter scan` of `pool` with the CPU its process used (it is the only child running).
    func timedScan(_ pool: String, mode: String) async throws -> (TimedScan, [String: UInt64]) {
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
        let methods = Set(images.map(\.method)).sorted().joined(separator: ",")
        return (TimedScan(seconds: seconds, cpuSeconds: cpu, methods: methods), Dictionary(uniqueKeysWithValues: images.map { ($0.image, $0.total_used_bytes) }))
    }

    /// User plus system CPU seconds of this process's children that have ended and been waited for.
    func childrenCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
