import DevCluster
import Foundation
import History
import Testing

/// `rbd-meter serve` end to end against the dev cluster: scrapes checked against the rbd CLI,
/// history growing, promtool and a real Prometheus server scraping it.
@Suite("rbd-meter serve")
struct ServeCommandTests {
    static func writeConfig(pool: String, interval: Double = 2, scan: String = "", extra: String = "") throws -> (config: String, database: String) {
        let folder = try TemporaryFolder.make("rbd-meter-serve")
        let database = folder.appendingPathComponent("history.sqlite").path
        let config = folder.appendingPathComponent("config.json").path
        // Timeouts as generous as `DevCluster.connectionOptions`: nothing here waits for one.
        let json = """
            {"ceph": {"connect_timeout_seconds": 30, "osd_op_timeout_seconds": 60, "mon_op_timeout_seconds": 30},
             "pools": {"names": ["\(pool)"]},
             "scan": {"interval_seconds": \(interval), "jitter": 0, "mode": "exact", "backoff_max_seconds": 2\(scan)},
             "database": {"path": "\(database)"}\(extra)}
            """
        try json.write(toFile: config, atomically: true, encoding: .utf8)
        return (config, database)
    }

    @Test("scrapes agree with the rbd CLI, follow new writes, and the history grows")
    func scrapesFollowTheCluster() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("serve") { pool in
            try await dev.rbd("create", "--size", "1G", "\(pool)/fast")
            try await dev.write("\(pool)/fast", ioSize: "4K", total: "128K")
            try await dev.rbd("create", "--size", "1G", "--image-feature", "layering", "\(pool)/kernel")
            try await dev.write("\(pool)/kernel", ioSize: "4K", total: "128K")
            let files = try Self.writeConfig(pool: pool)
            let daemon = try await DaemonProcess(config: files.config, environment: ["CEPH_CONF": dev.configFile])
            #expect(try await daemon.waitUntilReady(), "\(daemon.log)")

            var samples = PrometheusText.samples(try await daemon.get("/metrics").body)
            for image in ["fast", "kernel"] {
                let du = try #require(try await dev.du("\(pool)/\(image)", exact: true).first)
                #expect(samples[PrometheusText.imageSeries("rbd_image_used_bytes", pool: pool, image: image)] == Double(du.used_size))
                #expect(samples[PrometheusText.imageSeries("rbd_image_total_used_bytes", pool: pool, image: image)] == Double(du.used_size))
                #expect(samples[PrometheusText.imageSeries("rbd_image_provisioned_bytes", pool: pool, image: image)] == Double(du.provisioned_size))
            }
            #expect(samples["rbd_meter_up"] == 1)
            let before = samples[PrometheusText.imageSeries("rbd_image_used_bytes", pool: pool, image: "kernel")] ?? 0

            try await dev.write("\(pool)/kernel", ioSize: "4M", total: "64M", pattern: "seq")
            let expected = Double(try #require(try await dev.du("\(pool)/kernel", exact: true).first).used_size)
            #expect(expected > before)
            let changed = try await daemon.waitUntil(seconds: 30) {
                samples = PrometheusText.samples(try await daemon.get("/metrics").body)
                return samples[PrometheusText.imageSeries("rbd_image_used_bytes", pool: pool, image: "kernel")] == expected
            }
            #expect(changed, "the new writes show within a few intervals")

            let history = try await Shell.run(DaemonProcess.executable, [
                "history", "--database", files.database, "--pool", pool, "--image", "kernel", "--since", "1h", "--format", "json",
            ])
            struct Output: Decodable {
                struct Row: Decodable { var used_bytes: Double }
                var history: [Row]
            }
            let rows = try JSONDecoder().decode(Output.self, from: Data(history.utf8)).history
            #expect(rows.count >= 2, "one row before the writes, one after")
            #expect(rows.first?.used_bytes == before)
            #expect(rows.last?.used_bytes == expected)
            #expect(try await daemon.stop() == 0, "SIGTERM ends with status 0")
        }
    }

    @Test("listening on every address ([::], the default) answers over IPv4 and IPv6 alike")
    func dualStackAnswersBoth() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("dual") { pool in
            let files = try Self.writeConfig(pool: pool)
            defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: files.config).deletingLastPathComponent().path) }
            let daemon = try await DaemonProcess(config: files.config, environment: ["CEPH_CONF": dev.configFile], listen: "[::]:0")
            let port = try #require(daemon.baseURL.split(separator: ":").last)
            for host in ["127.0.0.1", "[::1]"] {
                let body = try await Shell.run("curl", ["-sS", "--max-time", "10", "http://\(host):\(port)/healthz"])
                #expect(body.contains("ok"), "\(host): \(body)")
            }
            #expect(try await daemon.stop() == 0)
        }
    }

    @Test("promtool check metrics finds nothing wrong with a real scrape")
    func promtoolAcceptsRealScrape() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("promtool") { pool in
            try await dev.rbd("create", "--size", "64M", "\(pool)/pvc-\"quoted\"\\back-ünï")
            try await dev.rbd("image-meta", "set", "\(pool)/pvc-\"quoted\"\\back-ünï", "csi.storage.k8s.io/pvc/namespace", "shop")
            let files = try Self.writeConfig(pool: pool)
            let daemon = try await DaemonProcess(config: files.config, environment: ["CEPH_CONF": dev.configFile])
            #expect(try await daemon.waitUntilReady())
            let scrape = try await daemon.get("/metrics").body
            #expect(scrape.contains("pvc_namespace=\"shop\""))
            let result = try await Shell.execute("promtool", ["check", "metrics"], standardInput: Data(scrape.utf8))
            #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
            #expect(result.standardOutput.isEmpty && result.standardError.isEmpty, "\(result.standardOutput)\(result.standardError)")
            try await daemon.stop()
        }
    }

    @Test("a real Prometheus server scrapes the exporter and answers queries for a fixture image")
    func prometheusScrapesTheExporter() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("prom") { pool in
            try await dev.rbd("create", "--size", "256M", "\(pool)/scraped")
            try await dev.write("\(pool)/scraped", ioSize: "4K", total: "64K")
            let files = try Self.writeConfig(pool: pool)
            let daemon = try await DaemonProcess(config: files.config, environment: ["CEPH_CONF": dev.configFile])
            #expect(try await daemon.waitUntilReady())
            let prometheus = try await PrometheusServer(targets: [String(daemon.baseURL.dropFirst("http://".count))])
            defer { prometheus.stop() }
            let expected = Double(try #require(try await dev.du("\(pool)/scraped", exact: true).first).used_size)
            var value: Double?
            let answered = try await daemon.waitUntil(seconds: 60) {
                value = try await prometheus.instantValue(#"rbd_image_used_bytes{pool="\#(pool)",image="scraped"}"#)
                return value != nil
            }
            #expect(answered, "Prometheus never returned the series: \(prometheus.log.suffix(2000))")
            #expect(value == expected)
            #expect(try await prometheus.instantValue(#"up{job="rbd-meter"}"#) == 1)
            try await daemon.stop()
        }
    }

    @Test("a restarted daemon's first scan reuses what the previous process measured, from the history, and measures what changed since")
    func restartResumesIncrementalScans() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("resume") { pool in
            for name in ["a", "b", "c"] {
                try await dev.rbd("create", "--size", "256M", "--image-feature", "layering", "\(pool)/\(name)")
                try await dev.write("\(pool)/\(name)", ioSize: "4K", total: "32K")
            }
            // One scan per life (the interval is long), and the settle rule off: the images were just written.
            let files = try Self.writeConfig(pool: pool, interval: 3600, scan: #", "reuse_settle_seconds": 0"#)
            defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: files.config).deletingLastPathComponent().path) }
            let first = try await DaemonProcess(config: files.config, environment: ["CEPH_CONF": dev.configFile])
            #expect(try await first.waitUntilReady(), "\(first.log)")
            #expect(try await first.stop() == 0)

            try await dev.rbd("resize", "--size", "512M", "\(pool)/b")
            let second = try await DaemonProcess(config: files.config, environment: ["CEPH_CONF": dev.configFile])
            #expect(try await second.waitUntilReady(), "\(second.log)")
            let samples = PrometheusText.samples(try await second.get("/metrics").body)
            #expect(samples["rbd_meter_scans_total{result=\"success\"}"] == 1, "the first scan of this life")
            #expect(samples["rbd_meter_images_reused{pool=\"\(pool)\"}"] == 2, "a and c kept their numbers")
            #expect(samples["rbd_meter_images_opened{pool=\"\(pool)\"}"] == 0)
            #expect(samples[PrometheusText.imageSeries("rbd_image_provisioned_bytes", pool: pool, image: "b")] == Double(512 << 20))
            for image in ["a", "c"] {
                let du = try #require(try await dev.du("\(pool)/\(image)", exact: true).first)
                #expect(samples[PrometheusText.imageSeries("rbd_image_used_bytes", pool: pool, image: image)] == Double(du.used_size))
            }
            #expect(try await second.stop() == 0)
        }
    }

    @Test("a daemon killed during scans leaves a sound database with its completed scans")
    func killDuringScanKeepsDatabaseSound() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("kill") { pool in
            // A large image without an object map makes every scan take a while.
            try await dev.rbd("create", "--size", "200G", "--image-feature", "layering", "\(pool)/slow")
            try await dev.write("\(pool)/slow", ioSize: "4K", total: "256K")
            for index in 0..<20 {
                try await dev.rbd("create", "--size", "1G", "\(pool)/small-\(index)")
            }
            let files = try Self.writeConfig(pool: pool, interval: 1)
            let daemon = try await DaemonProcess(config: files.config, environment: ["CEPH_CONF": dev.configFile])
            #expect(try await daemon.waitUntilReady(seconds: 120))
            // Killed while a scan runs: begun (counted as started) and not yet counted by outcome.
            let scanning = try await daemon.waitUntil(seconds: 60) {
                let samples = try await daemon.metrics()
                let finished = samples.filter { $0.key.hasPrefix("rbd_meter_scans_total{") }.values.reduce(0, +)
                return (samples["rbd_meter_scans_started_total"] ?? 0) > finished
            }
            #expect(scanning, "a scan was running")
            try await daemon.stop(signal: SIGKILL)

            let check = try await Shell.run(DaemonProcess.executable, ["history", "--database", files.database, "--pool", pool, "--image", "small-3", "--format", "json"])
            #expect(check.contains("\"history\":[{"), "the completed scans are intact: \(check)")
            let restarted = try await DaemonProcess(config: files.config, environment: ["CEPH_CONF": dev.configFile])
            #expect(try await restarted.waitUntilReady(seconds: 120), "\(restarted.log)")
            #expect(try await restarted.stop() == 0)
            let store = try HistoryStore(path: files.database)
            #expect(try await store.integrityCheck() == "ok")
            #expect(try await store.partialScans().isEmpty)
            try store.close()
        }
    }

    @Test("a bad config file stops serve with status 2 and one line naming the key")
    func badConfigExitsTwo() async throws {
        let folder = try TemporaryFolder.make("rbd-meter-badconfig")
        let config = folder.appendingPathComponent("config.json").path
        try #"{"scan": {"concurrency": "lots"}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await Shell.execute(DaemonProcess.executable, ["serve", "--config", config])
        #expect(result.status == 2)
        #expect(result.standardError == "rbd-meter: \(config): scan.concurrency: must be a whole number from 1 to 256, got \"lots\"\n")
    }
}
