import CompressNIO
import Exposition
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Metering
import NIOCore
import Server
import Testing

/// `/metrics`, `/healthz` and `/readyz` driven in-process through the real router.
@Suite("HTTP endpoints")
struct HTTPEndpointTests {
    static func state(scannedSecondsAgo age: Double?) -> MeterState {
        let state = MeterState()
        if let age {
            let image = ImageUsage(pool: "rbd", namespace: "", image: "vol", id: "1", provisionedBytes: 100, usedBytes: 40, totalUsedBytes: 50, snapshots: 1)
            let end = Date().addingTimeInterval(-age)
            state.apply(ScanReport(startedAt: end, finishedAt: end, mode: .exact, pools: [PoolScan(pool: "rbd", images: [image])]))
        }
        return state
    }

    static func app(_ state: MeterState) throws -> some ApplicationProtocol {
        // Five-minute scans, ready while the latest is under three intervals old.
        let settings = ServerSettings(port: 0, exposition: ExpositionSettings(scanIntervalSeconds: 300), readinessIntervals: 3)
        return Application(router: try MeterServer.router(state: state, settings: settings))
    }

    @Test("/metrics serves the snapshot as Prometheus text by default")
    func metricsPlainText() async throws {
        try await Self.app(Self.state(scannedSecondsAgo: 1)).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                let body = String(buffer: response.body)
                #expect(body.contains("rbd_image_used_bytes{pool=\"rbd\",namespace=\"\",image=\"vol\"} 40\n"))
                #expect(body.contains("rbd_meter_up 1\n"))
                #expect(body.contains("process_resident_memory_bytes "))
                #expect(!body.contains("# EOF"))
            }
        }
    }

    @Test("/metrics answers OpenMetrics to a scraper that prefers it, gzip when accepted")
    func metricsOpenMetricsGzip() async throws {
        try await Self.app(Self.state(scannedSecondsAgo: 1)).test(.router) { client in
            let headers: HTTPFields = [
                .accept: "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
                .acceptEncoding: "gzip",
            ]
            try await client.execute(uri: "/metrics", method: .get, headers: headers) { response in
                #expect(response.headers[.contentType] == "application/openmetrics-text; version=1.0.0; charset=utf-8")
                #expect(response.headers[.contentEncoding] == "gzip")
                var compressed = response.body
                let text = String(buffer: try compressed.decompress(with: .gzip()))
                #expect(text.hasSuffix("# EOF\n"))
                #expect(text.contains("rbd_image_total_used_bytes{pool=\"rbd\",namespace=\"\",image=\"vol\"} 50\n"))
            }
        }
    }

    @Test("/healthz answers while /readyz waits for a recent scan")
    func readiness() async throws {
        try await Self.app(Self.state(scannedSecondsAgo: nil)).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("no scan has completed yet"))
            }
        }
        let scanned = Date()
        try await Self.app(Self.state(scannedSecondsAgo: 10)).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let age = try #require(body?["last_scan_age_seconds"] as? NSNumber, "a JSON number, not a string")
                // Ten seconds plus however long this busy machine took to start the app and answer.
                let waited = Date().timeIntervalSince(scanned)
                #expect(age.doubleValue >= 10 && age.doubleValue <= 10 + waited + 1, "\(age) s after \(waited) s")
            }
        }
        try await Self.app(Self.state(scannedSecondsAgo: 1000)).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("more than 900 s (3 scan intervals)"))
            }
        }
    }

    @Test("/ is a landing page linking every endpoint, as exporters have")
    func landingPage() async throws {
        try await Self.app(Self.state(scannedSecondsAgo: 1)).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let page = String(buffer: response.body)
                for path in ["/metrics", "/readyz", "/healthz", "/openapi.json"] {
                    #expect(page.contains(#"href="\#(path)""#), "links \(path)")
                }
                #expect(page.contains("Version \(RBDMeterVersion.current)"))
            }
        }
    }

    @Test("gzip is used when Accept-Encoding allows it and refused for any weight of zero")
    func gzipNegotiation() async throws {
        try await Self.app(Self.state(scannedSecondsAgo: 1)).test(.router) { client in
            for (header, gzip) in [
                ("gzip", true), ("br, gzip;q=0.5", true), ("gzip;q=0", false), ("gzip;q=0.00", false), ("gzip; q=0.000", false),
                ("GZIP;Q=0.0", false), ("identity", false), ("gzip;q=nonsense", false),
            ] {
                try await client.execute(uri: "/metrics", method: .get, headers: [.acceptEncoding: header]) { response in
                    #expect((response.headers[.contentEncoding] == "gzip") == gzip, "Accept-Encoding: \(header)")
                }
            }
        }
    }

    @Test("a scrape of ten thousand images has every image, rendered from the snapshot")
    func largeSnapshotRendersQuickly() async throws {
        let state = MeterState()
        let images = (0..<10_000).map {
            ImageUsage(pool: "k8s", namespace: "ns\($0 % 20)", image: "csi-vol-\($0)", id: "\($0)", provisionedBytes: 10 << 30, usedBytes: UInt64($0) << 20, totalUsedBytes: UInt64($0) << 20, snapshots: 0)
        }
        state.apply(ScanReport(startedAt: Date(), finishedAt: Date(), mode: .exact, pools: [PoolScan(pool: "k8s", images: images)]))
        try await Self.app(state).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                let body = String(buffer: response.body)
                #expect(body.split(separator: "\n").filter { $0.hasPrefix("rbd_image_used_bytes{") }.count == 10_000)
            }
        }
    }
}
