import DevCluster
import Foundation
import History
import Metering
import RBD
import Synchronization
import Testing

/// Faults on a real cluster: daemons stopped under the exporter, images changing under a scan,
/// the exporter killed, its database unwritable. Each stops daemons of a cluster of its own.
@Suite("Faults")
struct FaultTests {
    static func folder() throws -> URL {
        try TemporaryFolder.make("rbd-meter-fault")
    }

    /// A config for `pool` with short timeouts, so that faults show within seconds.
    static func config(
        pool: String, in folder: URL, database: String? = nil, extra: String = "",
        interval: Int = 1, operationTimeout: Int = 5, backoffMax: Int = 2
    ) throws -> String {
        let path = folder.appendingPathComponent("config.json").path
        try """
            {"ceph": {"connect_timeout_seconds": 3, "mon_op_timeout_seconds": \(operationTimeout), "osd_op_timeout_seconds": \(operationTimeout)},
             "pools": {"names": ["\(pool)"]},
             "scan": {"interval_seconds": \(interval), "jitter": 0, "backoff_max_seconds": \(backoffMax), "listing": false},
             "server": {"readiness_intervals": 3, "shutdown_grace_seconds": 10},
             "database": {"path": "\(database ?? folder.appendingPathComponent("history.sqlite").path)"}\(extra)}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func makePool(_ dev: DevCluster, _ pool: String, images: Int = 4, slowImageGiB: Int? = nil) async throws {
        try await dev.ceph("osd", "pool", "create", pool, "8")
        try await dev.rbd("pool", "init", pool)
        if let slowImageGiB {
            try await dev.rbd("create", "--size", "\(slowImageGiB)G", "--image-feature", "layering", "\(pool)/slow")
        }
        for index in 0..<images {
            try await dev.rbd("create", "--size", "256M", "\(pool)/small-\(index)")
            try await dev.write("\(pool)/small-\(index)", ioSize: "4K", total: "32K")
        }
    }

    /// How many scans the daemon has started, from its /metrics.
    static func scansStarted(_ daemon: DaemonProcess) async throws -> Int {
        Int(try await daemon.metrics()["rbd_meter_scans_started_total"] ?? 0)
    }

    /// How many scans the daemon has finished, whatever their outcome, from its /metrics.
    static func scansFinished(_ daemon: DaemonProcess) async throws -> Int {
        Int(try await daemon.metrics().filter { $0.key.hasPrefix("rbd_meter_scans_total{") }.values.reduce(0, +))
    }

    @Test("an OSD that stops answering mid-scan fails the pool's scan within its timeout; /metrics keeps the last data, says so, and recovers with the OSD")
    func osdStoppedMidScan() async throws {
        try await HeavyTestGate.shared.run {
            try await DedicatedCluster.with { dedicated in
                let dev = dedicated.cluster
                try await Self.makePool(dev, "faulty", slowImageGiB: 100)
                let folder = try Self.folder()
                // 2 s timeouts: the whole stall (a timeout, then readiness lost after 3 intervals)
                // stays under the 8 s after which a placement group may lose its read lease.
                let daemon = try await DaemonProcess(
                    config: try Self.config(pool: "faulty", in: folder, operationTimeout: 2), environment: ["CEPH_CONF": dev.configFile])
                #expect(try await daemon.waitUntilReady(seconds: 120), "\(daemon.log)")
                let series = PrometheusText.imageSeries("rbd_image_used_bytes", pool: "faulty", image: "small-0")
                let before = try await daemon.metrics()[series]
                #expect(before != nil && before! > 0)

                // Freeze only once the next scan is under way, so that the fault lands inside it.
                let started = try await Self.scansStarted(daemon)
                #expect(try await daemon.waitUntil(seconds: 30) { try await Self.scansStarted(daemon) > started }, "a new scan started")
                try await dedicated.freeze("osd")
                var samples: [String: Double] = [:]
                let noticed = try await daemon.waitUntil(seconds: 40) {
                    samples = try await daemon.metrics()
                    return (samples[#"rbd_meter_scan_errors_total{pool="faulty",reason="timeout"}"#] ?? 0) >= 1
                }
                let unready = try await daemon.waitUntil(seconds: 30) { try await daemon.get("/readyz").status == 503 }
                let healthy = try await daemon.get("/healthz").status
                try await dedicated.thawOSD(servingPool: "faulty")
                #expect(noticed, "the lost OSD shows as a timeout of its pool: \(daemon.log.suffix(2000))")
                #expect(samples["rbd_meter_up"] == 1, "the monitors still answer: the cluster is up, the pool is stale")
                #expect(samples[series] == before, "the last good numbers are still served")
                #expect(samples[#"rbd_meter_pool_stale{pool="faulty"}"#] == 1)
                #expect(healthy == 200)
                #expect(unready, "not ready once the data is stale")

                // Judged from the moment a new client reads every object of the pool: a pool
                // backoff and a scan later the daemon must have followed, without a restart.
                let recovered = try await daemon.waitUntil(seconds: 20) {
                    try await daemon.metrics()[#"rbd_meter_pool_stale{pool="faulty"}"#] == 0
                }
                #expect(recovered, "the next scan succeeds without a restart: \(daemon.log.suffix(4000))")
                #expect(try await daemon.waitUntilReady(seconds: 30))
                #expect(try await daemon.stop() == 0)
            }
        }
    }

    @Test("a pool whose placement groups never become active times out alone: the pools after it stay fresh and the cluster up")
    func stuckPoolDoesNotStopOtherPools() async throws {
        try await HeavyTestGate.shared.run {
            try await DedicatedCluster.with { dedicated in
                let dev = dedicated.cluster
                try await Self.makePool(dev, "healthy", images: 2)
                // A CRUSH rule over a root without OSDs (Ceph refuses a rule for a device class no
                // OSD has): the pool's placement groups are never placed, so every request to it
                // waits for its timeout.
                try await dev.ceph("osd", "crush", "add-bucket", "nowhere", "root")
                try await dev.ceph("osd", "crush", "rule", "create-replicated", "no-such-devices", "nowhere", "osd")
                try await dev.ceph("osd", "pool", "create", "stuck", "8", "8", "replicated", "no-such-devices")
                try await dev.ceph("osd", "pool", "application", "enable", "stuck", "rbd")
                let folder = try TemporaryFolder.make("rbd-meter-stuck")
                let config = try Self.config(pool: "stuck", in: folder)
                // The stuck pool first: the healthy one is scanned after it, in the same scan.
                let both = try String(contentsOfFile: config, encoding: .utf8).replacing(#""names": ["stuck"]"#, with: #""names": ["stuck", "healthy"]"#)
                try both.write(toFile: config, atomically: true, encoding: .utf8)
                let daemon = try await DaemonProcess(config: config, environment: ["CEPH_CONF": dev.configFile])
                var samples: [String: Double] = [:]
                let scanned = try await daemon.waitUntil(seconds: 90) {
                    samples = try await daemon.metrics()
                    return (samples[#"rbd_meter_scans_total{result="partial"}"#] ?? 0) >= 2
                }
                #expect(scanned, "two scans each failed one pool and finished the other: \(daemon.log.suffix(2000))")
                #expect(samples["rbd_meter_up"] == 1)
                #expect((samples[#"rbd_meter_scan_errors_total{pool="stuck",reason="timeout"}"#] ?? 0) >= 2)
                #expect(samples[#"rbd_meter_pool_stale{pool="stuck"}"#] == 1)
                #expect(samples[#"rbd_meter_pool_stale{pool="healthy"}"#] == 0)
                #expect(samples[#"rbd_pool_images{pool="healthy"}"#] == 2)
                #expect((samples[PrometheusText.imageSeries("rbd_image_used_bytes", pool: "healthy", image: "small-0")] ?? 0) > 0)
                #expect(samples["rbd_meter_scan_errors_total{pool=\"\",reason=\"timeout\"}"] == nil, "no scan ended as if the cluster were gone")
                let healthyAt = samples[#"rbd_meter_pool_last_scan_success_timestamp_seconds{pool="healthy"}"#] ?? 0
                let fresh = try await daemon.waitUntil(seconds: 60) {
                    (try await daemon.metrics()[#"rbd_meter_pool_last_scan_success_timestamp_seconds{pool="healthy"}"#] ?? 0) > healthyAt
                }
                #expect(fresh, "the healthy pool is scanned to the end again and again")
                #expect(try await daemon.get("/readyz").status == 200)
                #expect(try await daemon.stop() == 0)
            }
        }
    }

    @Test("an unreachable cluster at start-up: the daemon serves, retries with backoff, and meters once the monitor is back; a monitor restart is survived")
    func monitorDownAtStartAndRestarted() async throws {
        try await HeavyTestGate.shared.run {
            try await DedicatedCluster.with { dedicated in
                let dev = dedicated.cluster
                try await Self.makePool(dev, "monitored", images: 2)
                try await dedicated.stop("mon")
                let folder = try Self.folder()
                let daemon = try await DaemonProcess(config: try Self.config(pool: "monitored", in: folder), environment: ["CEPH_CONF": dev.configFile])
                let failing = try await daemon.waitUntil(seconds: 30) {
                    (try await daemon.metrics()[#"rbd_meter_scan_errors_total{pool="",reason="timeout"}"#] ?? 0) >= 2
                }
                #expect(failing, "connection attempts time out and are retried: \(daemon.log.suffix(2000))")
                #expect(try await daemon.metrics()["rbd_meter_up"] == 0)
                #expect(try await daemon.get("/healthz").status == 200)
                #expect(try await daemon.get("/readyz").status == 503)

                try await dedicated.start("mon")
                #expect(try await daemon.waitUntilReady(seconds: 90), "metering starts when the monitor answers")
                let scansBefore = try await daemon.metrics()[#"rbd_meter_scans_total{result="success"}"#] ?? 0

                try await dedicated.stop("mon")
                // A scan that began after the monitor went away has ended, whatever its outcome.
                let startedBeforeOutage = try await Self.scansStarted(daemon)
                let scannedThrough = try await daemon.waitUntil(seconds: 60) { try await Self.scansFinished(daemon) > startedBeforeOutage }
                #expect(scannedThrough, "a scan ran while the monitor was away: \(daemon.log.suffix(2000))")
                #expect(try await daemon.get("/healthz").status == 200, "a monitor going away is survived")
                try await dedicated.start("mon")
                let resumed = try await daemon.waitUntil(seconds: 90) {
                    (try await daemon.metrics()[#"rbd_meter_scans_total{result="success"}"#] ?? 0) >= scansBefore + 2
                }
                #expect(resumed, "scans succeed again after the monitor restart")
                #expect(try await daemon.stop() == 0)
            }
        }
    }

    @Test("images deleted, renamed, resized and snapshotted, and a pool deleted, during a scan: it completes for everything else")
    func changesDuringScan() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("churn") { pool in
            let other = "churn-gone-\(UUID().uuidString.prefix(6).lowercased())"
            try await dev.ceph("osd", "pool", "create", other, "8")
            try await dev.rbd("pool", "init", other)
            try await dev.rbd("create", "--size", "64M", "\(other)/x")
            try await dev.withConnection { cluster in
                let context = try await cluster.ioContext(pool: pool)
                for index in 0..<24 {
                    try await context.createImage("img-\(index)", size: 8 << 30, options: .init(features: [.layering]))
                }
                let measured = Atomic<Int>(0)
                let scanner = Metering.Scanner(
                    cluster: cluster, options: ScanOptions(pools: [other, pool], concurrency: 1, useListing: false),
                    onImageMeasured: { _ in measured.add(1, ordering: .relaxed) })
                let scan = Task { await scanner.scan() }
                // Change things only once the scan is measuring the pool's images.
                try #require(try await poll(seconds: 60, every: .milliseconds(10)) { measured.load(ordering: .relaxed) >= 2 }, "the scan measured its first images")
                try await dev.rbd("rm", "--no-progress", "\(pool)/img-20")
                let firstChangeAt = Date()
                try await dev.rbd("rename", "\(pool)/img-21", "\(pool)/renamed-21")
                try await dev.rbd("resize", "--size", "16G", "\(pool)/img-22")
                try await dev.rbd("snap", "create", "\(pool)/img-23@during")
                try await dev.deletePool(other)
                let report = await scan.value
                #expect(report.finishedAt > firstChangeAt, "the changes began while the scan ran")
                let failures = report.pools.flatMap(\.imageFailures)
                #expect(failures.allSatisfy { $0.vanished }, "only images that went away are skipped: \(failures)")
                let images = Set(report.pools.first { $0.pool == pool }?.images.map(\.image) ?? [])
                #expect(images.isSuperset(of: (0..<20).map { "img-\($0)" }), "every untouched image was measured")
                #expect(report.pools.first { $0.pool == pool }?.failure == nil)
                if let gone = report.pools.first(where: { $0.pool == other })?.failure {
                    #expect(gone.reason == .notFound)
                }
            }
        }
    }

    @Test("SIGKILL at random moments, twenty times: the database always opens sound and holds whole scans only")
    func killedRepeatedly() async throws {
        try await HeavyTestGate.shared.run { try await killRepeatedly() }
    }

    func killRepeatedly() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("kill9") { pool in
            try await dev.withConnection { cluster in
                let context = try await cluster.ioContext(pool: pool)
                try await forEachConcurrently(0..<120, limit: 8) { index in
                    try await context.createImage("vol-\(index)", size: 1 << 30)
                }
                let folder = try Self.folder()
                let database = folder.appendingPathComponent("history.sqlite").path
                let config = try Self.config(pool: pool, in: folder, database: database)
                var generator = SystemRandomNumberGenerator()
                for round in 0..<20 {
                    let daemon = try await DaemonProcess(config: config, environment: ["CEPH_CONF": dev.configFile], logLevel: "warning")
                    if round % 4 == 0 {
                        // Every fourth life lasts until a scan is in the history, whatever the runner's
                        // speed, and ends at a random moment after it (the next scan or its write).
                        let committed = try await daemon.waitUntil(seconds: 120) {
                            try await daemon.metrics()["rbd_meter_history_write_seconds"] != nil
                        }
                        #expect(committed, "round \(round): a scan reached the history")
                        try await Task.sleep(for: .milliseconds(Int.random(in: 0...1500, using: &generator)))
                    } else {
                        try await Task.sleep(for: .milliseconds(Int.random(in: 200...2500, using: &generator)))
                    }
                    try await daemon.stop(signal: SIGKILL)
                    let store = try HistoryStore(path: database)
                    #expect(try await store.integrityCheck() == "ok", "round \(round)")
                    #expect(try await store.partialScans().isEmpty, "round \(round): a half scan is visible")
                    try store.close()
                }
                let store = try HistoryStore(path: database)
                #expect(try await store.latestScans(50).contains { $0.status == .success }, "scans completed between the kills")
                try store.close()
            }
        }
    }

    @Test("SIGTERM during a scan ends the daemon with status 0 within the grace period")
    func sigtermDuringScan() async throws {
        try await HeavyTestGate.shared.run {
            let dev = try await DevCluster.shared()
            try await dev.withPool("term") { pool in
                try await dev.rbd("create", "--size", "2T", "--image-feature", "layering", "\(pool)/huge")
                let folder = try Self.folder()
                let daemon = try await DaemonProcess(config: try Self.config(pool: pool, in: folder), environment: ["CEPH_CONF": dev.configFile])
                #expect(try await daemon.waitUntil(seconds: 30) { try await Self.scansStarted(daemon) >= 1 }, "the first scan started")
                let started = ContinuousClock.now
                #expect(try await daemon.stop(signal: SIGTERM, timeout: 15) == 0)
                #expect(ContinuousClock.now - started < .seconds(10), "within the 10 s grace period")
                // The scan of a 2 TiB image without object map was cancelled, not finished: the
                // history, which every finished scan reaches, holds none.
                let store = try HistoryStore(path: folder.appendingPathComponent("history.sqlite").path)
                #expect(try await store.latestScans(5).isEmpty, "the cancelled scan was not recorded as finished")
                try store.close()
            }
        }
    }

    @Test("an unwritable database location or a full disk costs the history, not the metrics")
    func unwritableDatabase() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("nodisk") { pool in
            try await dev.withConnection { cluster in
                let context = try await cluster.ioContext(pool: pool)
                try await forEachConcurrently(0..<60, limit: 8) { index in
                    try await context.createImage("vol-\(index)", size: 1 << 30)
                }
                // /proc takes no new files: the database cannot even be created.
                let readOnly = try Self.folder()
                let unopenable = try await DaemonProcess(
                    config: try Self.config(pool: pool, in: readOnly, database: "/proc/rbd-meter/history.sqlite"), environment: ["CEPH_CONF": dev.configFile])
                #expect(try await unopenable.waitUntilReady())
                #expect(try await unopenable.metrics()["rbd_meter_history_available"] == 0, "the missing history shows in /metrics")
                #expect(try await unopenable.metrics()[PrometheusText.imageSeries("rbd_image_provisioned_bytes", pool: pool, image: "vol-0")] == Double(1 << 30))
                try await unopenable.stop()

                // A file-size limit (600 blocks of 512 bytes in sh) lets the migrations through and fills
                // the write-ahead log some scans later: the disk is full. How many scans that takes
                // depends on the pages each writes, not on the runner's speed (a busy one managed nine
                // in the minute this test once waited), so the wait counts scans; its time bound only
                // ends a hang.
                let full = try Self.folder()
                let daemon = try await DaemonProcess(
                    config: try Self.config(pool: pool, in: full), environment: ["CEPH_CONF": dev.configFile], shellPrefix: "ulimit -f 600")
                var errors = 0.0, scans = 0
                _ = try await daemon.waitUntil(seconds: 600) {
                    errors = try await daemon.metrics()["rbd_meter_history_write_errors_total"] ?? 0
                    scans = try await Self.scansFinished(daemon)
                    return errors >= 1 || scans >= 60
                }
                #expect(errors >= 1, "no history write error after \(scans) scans: \(daemon.log.suffix(2000))")
                let samples = try await daemon.metrics()
                #expect(samples["rbd_meter_up"] == 1)
                #expect(samples[PrometheusText.imageSeries("rbd_image_provisioned_bytes", pool: pool, image: "vol-59")] == Double(1 << 30))
                #expect(try await daemon.get("/readyz").status == 200)
                #expect(try await daemon.stop() == 0)
            }
        }
    }
}

