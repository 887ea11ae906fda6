import DevCluster
import Foundation
import Testing

/// Recovery without a restart: from OSD stalls, and from a connection the OSDs refuse.
extension FaultTests {
    @Test("a connection the OSDs refuse for good (blocklisted) is replaced by a fresh one and counted; the pool is fresh again without a restart")
    func blocklistedConnectionIsReplaced() async throws {
        try await HeavyTestGate.shared.run {
            try await DedicatedCluster.with { dedicated in
                let dev = dedicated.cluster
                try await Self.makePool(dev, "fenced", images: 2)
                let folder = try Self.folder()
                let daemon = try await DaemonProcess(config: try Self.config(pool: "fenced", in: folder), environment: ["CEPH_CONF": dev.configFile])
                #expect(try await daemon.waitUntilReady(seconds: 120), "\(daemon.log)")
                let address = try #require(Self.connectionAddress(try await daemon.metrics()), "/metrics shows the connection's address")
                try await dev.ceph("osd", "blocklist", "add", address)
                let fencedAt = Date().timeIntervalSince1970

                var samples: [String: Double] = [:]
                let replaced = try await daemon.waitUntil(seconds: 60) {
                    samples = try await daemon.metrics()
                    return (samples["rbd_meter_cluster_reconnects_total"] ?? 0) >= 1
                        && (samples[#"rbd_meter_pool_last_scan_success_timestamp_seconds{pool="fenced"}"#] ?? 0) > fencedAt
                }
                #expect(replaced, "a fresh connection replaced the blocklisted one: \(daemon.log.suffix(3000))")
                #expect((samples[#"rbd_meter_scan_errors_total{pool="fenced",reason="blocklisted"}"#] ?? 0) >= 1, "the refusal was counted as such: \(samples.filter { $0.key.contains("errors_total") })")
                #expect(samples[#"rbd_meter_pool_stale{pool="fenced"}"#] == 0)
                let fresh = Self.connectionAddress(samples)
                #expect(fresh != nil && fresh != address, "the new connection has an address of its own: \(String(describing: fresh)), was \(address)")
                #expect(daemon.process.isRunning, "no restart")
                try await dev.ceph("osd", "blocklist", "rm", address)
                #expect(try await daemon.stop() == 0)
            }
        }
    }

    /// The address in `rbd_meter_cluster_connection_info`, the one connection of the latest scan.
    static func connectionAddress(_ samples: [String: Double]) -> String? {
        let info = /rbd_meter_cluster_connection_info\{client="[^"]*",address="([^"]+)"\}/
        return samples.keys.compactMap { $0.wholeMatch(of: info).map { String($0.1) } }.first
    }

    @Test("an OSD stalled longer than the op timeout three times in a row during scans: fresh again within two scan intervals of each thaw, without a restart, threads and memory back where they were")
    func repeatedOSDStalls() async throws {
        try await HeavyTestGate.shared.run {
            try await DedicatedCluster.with { dedicated in
                let dev = dedicated.cluster
                try await Self.makePool(dev, "stalling", slowImageGiB: 100)
                let folder = try Self.folder()
                // Scans 2 s apart, requests abandoned after 2 s, no pool backoff beyond the interval:
                // a stall meets a scan within 4 s and ends inside the next one, under the 8 s after
                // which a placement group may lose its read lease (see DedicatedCluster.thawOSD).
                let interval = 2.0
                let config = try Self.config(pool: "stalling", in: folder, interval: Int(interval), operationTimeout: 2, backoffMax: Int(interval))
                let daemon = try await DaemonProcess(config: config, environment: ["CEPH_CONF": dev.configFile])
                #expect(try await daemon.waitUntilReady(seconds: 120), "\(daemon.log)")
                // What a healthy daemon holds once its first scans are behind it.
                let settled = try await Self.scansFinished(daemon) + 2
                try #require(try await daemon.waitUntil(seconds: 60) { try await Self.scansFinished(daemon) >= settled })
                let threadsBefore = daemon.process.threads
                let residentBefore = daemon.process.residentBytes

                let timeouts = #"rbd_meter_scan_errors_total{pool="stalling",reason="timeout"}"#
                let stale = #"rbd_meter_pool_stale{pool="stalling"}"#
                let lastSuccess = #"rbd_meter_pool_last_scan_success_timestamp_seconds{pool="stalling"}"#
                for round in 1...3 {
                    let timedOutBefore = try await daemon.metrics()[timeouts] ?? 0
                    try await dedicated.freeze("osd")
                    // The stall lasts until a scan has met it and timed out, and the next scan has
                    // started: its requests are queued when the OSD comes back.
                    let noticed = try await daemon.waitUntil(seconds: 60) { (try await daemon.metrics()[timeouts] ?? 0) > timedOutBefore }
                    let started = try await Self.scansStarted(daemon)
                    let next = try await daemon.waitUntil(seconds: 60) { try await Self.scansStarted(daemon) > started }
                    let staleMeanwhile = try await daemon.metrics()[stale]
                    let thawedAt = Date().timeIntervalSince1970
                    try await dedicated.thawOSD(servingPool: "stalling")
                    try #require(noticed && next, "round \(round): a scan timed out on the frozen OSD and another began: \(daemon.log.suffix(3000))")
                    #expect(staleMeanwhile == 1, "round \(round): stale while the OSD is frozen")

                    // Judged from the moment a new client reads every object of the pool again.
                    let fresh = try await daemon.waitUntil(seconds: 2 * interval) {
                        let samples = try await daemon.metrics()
                        return samples[stale] == 0 && (samples[lastSuccess] ?? 0) > thawedAt
                    }
                    #expect(fresh, "round \(round): fresh within two scan intervals of the OSD serving again: \(daemon.log.suffix(4000))")
                }
                #expect(daemon.process.isRunning, "no restart")
                // Two more scans, then what the daemon holds: no thread or buffer left behind by the stalls.
                let after = try await Self.scansFinished(daemon) + 2
                _ = try await daemon.waitUntil(seconds: 60) { try await Self.scansFinished(daemon) >= after }
                let threadsBack = try await daemon.waitUntil(seconds: 30) { daemon.process.threads <= threadsBefore }
                #expect(threadsBack, "threads \(daemon.process.threads), \(threadsBefore) before the stalls")
                let residentBound = max(residentBefore + residentBefore / 4, residentBefore + 24 << 20)
                #expect(daemon.process.residentBytes <= residentBound, "resident \(daemon.process.residentBytes >> 20) MiB, \(residentBefore >> 20) MiB before the stalls")
                #expect(try await daemon.waitUntilReady(seconds: 30))
                #expect(try await daemon.stop() == 0)
            }
        }
    }
}
