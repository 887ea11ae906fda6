import DevCluster
import Foundation
import Metering
import Testing

/// Fifty Prometheus-like scrapers and ten API clients at once, while scans run.
@Suite("Load")
struct LoadTests {
    static let seconds = Int(ProcessInfo.processInfo.environment["RBD_METER_LOAD_SECONDS"] ?? "") ?? 60
    static let token = "load-\(UUID().uuidString)"

    static func wrk(_ arguments: [String]) async throws -> WrkResult {
        WrkResult(parsing: try await Shell.run("wrk", arguments))
    }

    @Test("50 scrapers and 10 API clients for a minute: no errors, bounded memory, scans on schedule")
    func scrapersAndClients() async throws {
        try await HeavyTestGate.shared.run {
            let dev = try await DevCluster.shared()
            try await dev.withPool("load") { pool in
                try await dev.withConnection { cluster in
                    let context = try await cluster.ioContext(pool: pool)
                    try await forEachConcurrently(0..<300, limit: 8) { index in
                        try await context.createImage("pvc-\(index)", size: 10 << 30)
                    }
                    try await dev.rbd("create", "--size", "1G", "\(pool)/busy")
                    try await dev.write("\(pool)/busy", ioSize: "4K", total: "256K")
                    let folder = try TemporaryFolder.make("rbd-meter-load")
                    let digest = try await Shell.run("python3", ["-c", "import hashlib,sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())", Self.token])
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                    let config = folder.appendingPathComponent("config.json").path
                    try """
                        {"pools": {"names": ["\(pool)"]}, "scan": {"interval_seconds": 5, "jitter": 0, "full_rescan_seconds": 0},
                         "database": {"path": "\(folder.appendingPathComponent("h.sqlite").path)"},
                         "api": {"tokens": [{"name": "load", "sha256": "\(digest)"}]}}
                        """.write(toFile: config, atomically: true, encoding: .utf8)
                    let daemon = try await DaemonProcess(config: config, environment: ["CEPH_CONF": dev.configFile], logLevel: "warning")
                    #expect(try await daemon.waitUntilReady(seconds: 120))
                    let before = try await daemon.metrics()
                    let started = Date()
                    async let scrapers = Self.wrk([
                        "-t2", "-c50", "-d\(Self.seconds)s", "--latency", "--timeout", "10s",
                        "-H", "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
                        "-H", "Accept-Encoding: gzip", "\(daemon.baseURL)/metrics",
                    ])
                    async let clients = Self.wrk([
                        "-t1", "-c10", "-d\(Self.seconds)s", "--latency", "--timeout", "10s",
                        "-H", "Authorization: Bearer \(Self.token)",
                        "\(daemon.baseURL)/v1/image/allocation?poolName=\(pool)&imageName=busy",
                    ])
                    let (scraped, called) = try await (scrapers, clients)
                    let elapsed = Date().timeIntervalSince(started)
                    let after = try await daemon.metrics()
                    let peak = daemon.peakResidentBytes
                    try await daemon.stop()

                    #expect(scraped.errors == 0, "\(scraped.text)")
                    #expect(called.errors == 0, "\(called.text)")
                    #expect(scraped.requests > Self.seconds * 50, "the scrapers were served: \(scraped.requests)")
                    #expect(called.requests > Self.seconds, "the API clients were served: \(called.requests)")
                    let scans = (after[#"rbd_meter_scans_total{result="success"}"#] ?? 0) - (before[#"rbd_meter_scans_total{result="success"}"#] ?? 0)
                    let scanSeconds = after[#"rbd_meter_scan_duration_seconds{pool="\#(pool)"}"#] ?? 0
                    // One scan per interval plus the scan itself; half of that is the floor under load.
                    let expected = elapsed / (5 + scanSeconds)
                    #expect(scans >= (expected * 0.5).rounded(.down), "scans kept to their schedule: \(scans) in \(Int(elapsed)) s, each \(scanSeconds) s")
                    #expect(peak < 300 << 20, "peak RSS \(peak >> 20) MiB")
                    print("load: \(scraped.requests) scrapes (p99 \(scraped.p99Milliseconds) ms), \(called.requests) live allocations (p99 \(called.p99Milliseconds) ms), \(Int(scans)) scans in \(Int(elapsed)) s, peak RSS \(peak >> 20) MiB")
                }
            }
        }
    }
}
