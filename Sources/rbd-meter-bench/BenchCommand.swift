import ArgumentParser
import Foundation
import RBD
import TestSupport

/// `rbd-meter-bench`: builds fixtures on a (dev) cluster and times, side by side, `rbd du -p`, the
/// original serial diff approach and `rbd-meter scan` in both modes, with and without emulated
/// network latency; then loads `/metrics` of a daemon metering ten thousand images, and times
/// `serve`'s scans of ten thousand unchanged images with header probes and through librbd.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rbd-meter-bench",
        abstract: "Time rbd-meter against rbd du and the original serial approach, and load /metrics.",
        discussion: "Meant for a throw-away dev cluster (scripts/bench starts one): it creates pools, changes OSD options and deletes nothing."
    )

    @Option(help: "ceph.conf of the cluster to use.")
    var cephConf: String

    @Option(help: "The rbd-meter executable to time (a release build).")
    var rbdMeter: String

    @Option(help: "Images of the thin layering-only fixtures.")
    var images = 64

    @Option(help: "Provisioned GiB of each image of the thin fixture (the second thin fixture doubles it).")
    var sizeGib = 64

    @Option(help: "Small random writes into each thin image.")
    var writes = 256

    @Option(help: "Small images with default features (the fast-diff fixture).")
    var fastImages = 500

    @Option(help: "Images in the daemon's snapshot for the /metrics load test; 0 skips it.")
    var metricsImages = 10_000

    @Option(help: "Seconds of /metrics load.")
    var loadSeconds = 30

    @Option(help: "Emulated network latency: the OSD delays each client message by up to this many ms; 0 skips that round.")
    var latencyMs = 2.0

    @Option(help: "Images of each fixture (fast-diff, layering-only) whose unchanged scans are timed; 0 skips them.")
    var scaleImages = 10_000

    @Option(help: "Percent of each scale fixture's images held open and written between scans (the in-use rounds); 0 skips them.")
    var inUsePercent = 10

    @Flag(help: "Only the unchanged-scan part (with rbd du -p on its fixtures).")
    var onlyScale = false

    @Option(help: "Images of each snapshot fixture (fast-diff images with no, one and three snapshots); 0 skips them.")
    var snapshotImages = 3_000

    @Option(help: "Images of the layering-only fixture with one snapshot, also scanned through librbd; 0 skips it.")
    var layeringSnapshotImages = 1_000

    @Flag(help: "Only the snapshot fixtures.")
    var onlySnapshots = false

    @Option(help: "Threads rbd-meter scans with.")
    var concurrency = 16

    @Option(help: "Also write the results as Markdown to this file.")
    var markdown: String?

    /// The in-use rounds of a scale fixture in both modes (see ``Bench/inUseScans(_:mode:inUse:rounds:)``).
    func inUse(_ fixture: Fixture, bench: Bench) async throws -> [InUseResult] {
        let count = fixture.images * inUsePercent / 100
        guard count > 0 else { return [] }
        var results: [InUseResult] = []
        for mode in ["object", "exact"] {
            log("timing serve on \(fixture.pool) with \(count) images in use, \(mode) mode")
            let result = try await bench.inUseScans(fixture, mode: mode, inUse: count)
            if result.writesSeen != result.writes {
                throw fail("\(fixture) \(mode): the next scan showed \(result.writesSeen) of \(result.writes) writes")
            }
            results.append(result)
        }
        return results
    }

    func run() async throws {
        let started = Date()
        let bench = try await Bench(cephConf: cephConf, rbdMeter: rbdMeter, concurrency: concurrency)
        var rows: [TimingRow] = []
        if !onlyScale && !onlySnapshots {
            log("creating fixtures")
            let thin = try await bench.thinFixture(pool: "bench-thin", images: images, sizeGiB: sizeGib, writes: writes)
            let thinDouble = try await bench.thinFixture(pool: "bench-thin-2x", images: images, sizeGiB: sizeGib * 2, writes: writes)
            let fast = try await bench.fastFixture(pool: "bench-fast", images: fastImages)
            for latency in latencyMs > 0 ? [0, latencyMs] : [0] {
                try await bench.setLatency(milliseconds: latency)
                for fixture in [thin, thinDouble, fast] {
                    log("timing \(fixture.description) with \(latency) ms latency")
                    rows.append(try await bench.time(fixture, latency: latency))
                }
            }
            try await bench.setLatency(milliseconds: 0)
        }

        var scale: [ScaleRow] = []
        if scaleImages > 0 && !onlySnapshots {
            for (pool, features) in [("bench-scale-fast", nil), ("bench-scale-layering", [.layering] as ImageFeatures?)] {
                log("creating \(scaleImages) images in \(pool)")
                let fixture = try await bench.scaleFixture(pool: pool, images: scaleImages, features: features)
                log("timing rbd du -p and rbd-meter scan of \(pool)")
                let du = try await bench.du(pool)
                let object = try await bench.scan(pool, mode: "object")
                let exact = try await bench.scan(pool, mode: "exact")
                if object.totalUsedBytes != du.totalUsedBytes {
                    throw fail("\(fixture): object mode \(object.totalUsedBytes) B, rbd du \(du.totalUsedBytes) B")
                }
                log("timing serve on \(pool), with header probes and through librbd")
                scale.append(ScaleRow(
                    rbdDu: du.seconds, scanObject: object.seconds, scanExact: exact.seconds, methods: object.methods,
                    probes: try await bench.incrementalScans(fixture, librbdOnly: false),
                    librbd: try await bench.incrementalScans(fixture, librbdOnly: true),
                    inUse: try await inUse(fixture, bench: bench)))
            }
        }

        var snapshotRows: [SnapshotRow] = []
        if snapshotImages > 0 && !onlyScale {
            for snapshots in [0, 1, 3] {
                log("creating \(snapshotImages) images with \(snapshots) snapshots")
                let fixture = try await bench.snapshotFixture(pool: "bench-snap-\(snapshots)", images: snapshotImages, snapshots: snapshots)
                snapshotRows.append(try await bench.snapshotScans(fixture, snapshots: snapshots))
            }
        }
        if layeringSnapshotImages > 0 && !onlyScale {
            log("creating \(layeringSnapshotImages) layering-only images with one snapshot")
            let fixture = try await bench.snapshotFixture(pool: "bench-snap-layering", images: layeringSnapshotImages, snapshots: 1, features: [.layering])
            snapshotRows.append(try await bench.snapshotScans(fixture, snapshots: 1, throughLibrbd: true))
        }

        var load: LoadResult?
        if metricsImages > 0 && !onlyScale && !onlySnapshots {
            log("creating \(metricsImages) images for the /metrics load test")
            let many = try await bench.manyImagesFixture(pool: "bench-many", images: metricsImages)
            load = try await bench.loadMetrics(pool: many.pool, seconds: loadSeconds)
        }

        await bench.cluster.close()
        let report = BenchReport(rows: rows, scale: scale, snapshots: snapshotRows, load: load, machine: Machine.describe(), date: started)
        print(report.markdown)
        if let markdown {
            try report.markdown.write(toFile: markdown, atomically: true, encoding: .utf8)
        }
        let failures = rows.flatMap(\.mismatches)
        if !failures.isEmpty {
            throw fail("the tools disagree: \(failures.joined(separator: "; "))")
        }
    }
}

func log(_ message: String) {
    FileHandle.standardError.write(Data("bench: \(message)\n".utf8))
}

func fail(_ message: String) -> ExitCode {
    log(message)
    return ExitCode(1)
}
