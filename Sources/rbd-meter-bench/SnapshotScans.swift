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
    var scanObject: ScanRun
    var scanExact: ScanRun
    var unchanged: IncrementalResult
    /// The same scans through librbd (header reads off, the listing on: the path before the direct
    /// reads), for the layering-only fixture.
    var librbd: (object: Double, exact: Double)?
}

extension Bench {
    /// 1 GiB images with `features` (`nil`: the defaults, with fast-diff), each written at the scale
    /// fixture's three seeded offsets, then `snapshots` times a snapshot followed by one more 4 KiB
    /// write at a seeded offset: every snapshot and the head hold data of their own.
    func snapshotFixture(pool: String, images: Int, snapshots: Int, features: ImageFeatures? = nil) async throws -> Fixture {
        try await createImages(in: pool, count: images, named: "vol-%05d", limit: 16) { context, name, index in
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
        var du: [String: DiskUsageRun] = [:]
        var scans: [String: ScanRun] = [:]
        for mode in ["object", "exact"] {
            log("timing rbd du -p\(mode == "exact" ? " --exact" : "") and rbd-meter scan --mode \(mode) of \(fixture.pool)")
            du[mode] = try await self.du(fixture.pool, exact: mode == "exact")
            let scan = try await self.scan(fixture.pool, mode: mode)
            scans[mode] = scan
            let disagreeing = scan.images.filter { du[mode]!.images[$0.key] != $0.value }
            guard disagreeing.isEmpty, scan.images.count == du[mode]!.images.count else {
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
}
