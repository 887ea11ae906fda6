import Exposition
import Foundation
import Metering
import RBD
import Testing
import TestSupport

/// `/metrics` text of a fixed snapshot, against golden files (node_exporter's e2e-output idea).
/// Set `RBD_METER_UPDATE_GOLDEN=1` to rewrite them after an intended change, then read the diff.
@Suite("Rendering")
struct RenderingTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static var snapshot: MeterSnapshot {
        var snapshot = MeterSnapshot()
        snapshot.connection = ConnectionIdentity(client: "client.rbd-meter", address: "127.0.0.1:0/3151374216")
        let awkward = ImageUsage(
            pool: "rbd", namespace: "tenant", image: "pvc-\"quoted\"\\back\nslash-ünï-名前", id: "abc123",
            provisionedBytes: 10 << 30, usedBytes: 1 << 30, totalUsedBytes: 3 << 30, snapshots: 2,
            features: [.layering], parent: "", method: .diff, objectMapInvalid: false)
        let plain = ImageUsage(
            pool: "rbd", namespace: "", image: "vol1", id: "def456",
            provisionedBytes: 1 << 40, usedBytes: 123_456_789, totalUsedBytes: 123_456_789, snapshots: 0,
            features: .defaults, parent: "rbd/golden@base", method: .objectMap, objectMapInvalid: true,
            kubernetes: KubernetesIdentity(pv: "pvc-1", pvc: "data-0", pvcNamespace: "shop", clusterName: "k8s-1"),
            modifyTimestamp: 1_794_990_000.5, watchers: 2, createTimestamp: 1_790_000_000, parentOverlapBytes: 256 << 20,
            changedAt: Date(timeIntervalSince1970: 1_794_995_000.25))
        let hidden = ImageUsage(
            pool: "big", namespace: "", image: "one-of-many", id: "f00",
            provisionedBytes: 1 << 30, usedBytes: 4 << 20, totalUsedBytes: 4 << 20, snapshots: 0, method: .listing)
        snapshot.pools["rbd"] = PoolState(
            pool: "rbd", images: [plain, awkward], namespaces: ["", "tenant", "empty"],
            capacity: PoolCapacity(storedBytes: 5 << 30, usedBytes: 5 << 30, objects: 1234, maxAvailableBytes: 1 << 44, quotaBytes: 0, quotaObjects: 0),
            scanDuration: 1.25, lastSuccessAt: Date(timeIntervalSince1970: 1_795_000_000), stale: false, reused: 1)
        snapshot.pools["big"] = PoolState(
            pool: "big", images: [hidden], scanDuration: 0.5, lastSuccessAt: Date(timeIntervalSince1970: 1_794_999_000), stale: true)
        // Two images trashed under the same name (an id tells them apart), and one in a pool exported only as sums.
        let trashed = ImageUsage(
            pool: "rbd", namespace: "", image: "vol1", id: "0ld1d", provisionedBytes: 1 << 30, usedBytes: 64 << 20, totalUsedBytes: 96 << 20,
            snapshots: 1, kubernetes: KubernetesIdentity(pv: "pvc-0", pvc: "data-0", pvcNamespace: "shop"))
        var trashedAgain = trashed
        trashedAgain.id = "0ld2d"
        trashedAgain.totalUsedBytes = 64 << 20
        trashedAgain.kubernetes = KubernetesIdentity()
        snapshot.pools["rbd"]?.trash = [
            TrashUsage(usage: trashed, source: .user, deletedAt: 1_794_900_000, defermentEndsAt: 1_795_500_000),
            TrashUsage(usage: trashedAgain, source: .userParent, deletedAt: 1_794_990_000, defermentEndsAt: 1_794_990_000),
        ]
        let hiddenTrash = ImageUsage(pool: "big", namespace: "", image: "gone", id: "f01", provisionedBytes: 1 << 30, usedBytes: 8 << 20, totalUsedBytes: 8 << 20, snapshots: 0)
        snapshot.pools["big"]?.trash = [TrashUsage(usage: hiddenTrash, source: .user, deletedAt: 1_794_000_000, defermentEndsAt: 1_794_000_000)]
        snapshot.up = true
        snapshot.lastSuccessAt = Date(timeIntervalSince1970: 1_795_000_000)
        snapshot.scanErrors[.init(pool: "big", reason: .timeout)] = 3
        snapshot.imageScanErrors[.init(pool: "rbd", reason: .notFound)] = 1
        snapshot.scans = [.success: 10, .failure: 3]
        return snapshot
    }

    static let settings = ExpositionSettings(perImagePools: GlobFilter(exclude: ["big"]), scanIntervalSeconds: 300, version: "test")

    func render(_ format: ExpositionFormat) -> String {
        MetricsWriter.render([SnapshotCollector(snapshot: Self.snapshot, settings: Self.settings)], format: format)
    }

    func expectGolden(_ text: String, _ name: String) throws {
        let file = Self.golden.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["RBD_METER_UPDATE_GOLDEN"] == "1" {
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(text == expected, "differs from \(name); run with RBD_METER_UPDATE_GOLDEN=1 and review the diff")
    }

    @Test("the Prometheus text format matches the golden file")
    func prometheusTextMatchesGolden() throws {
        try expectGolden(render(.prometheus), "metrics.prom")
    }

    @Test("OpenMetrics declares counters without _total and ends in # EOF")
    func openMetricsMatchesGolden() throws {
        let text = render(.openMetrics)
        #expect(text.contains("# TYPE rbd_meter_scan_errors counter\n"))
        #expect(text.contains("rbd_meter_scan_errors_total{pool=\"big\",reason=\"timeout\"} 3\n"))
        #expect(text.hasSuffix("# EOF\n"))
        try expectGolden(text, "metrics.openmetrics")
    }

    @Test("label values escape quotes, backslashes and line feeds and keep other Unicode")
    func labelEscaping() {
        #expect(MetricsWriter.escapeLabelValue("a\"b\\c\nd-ü-名") == "a\\\"b\\\\c\\nd-ü-名")
        #expect(MetricsWriter.escapeLabelValue("plain") == "plain")
        let text = render(.prometheus)
        #expect(text.contains(#"image="pvc-\"quoted\"\\back\nslash-ünï-名前""#))
    }

    @Test("per_image: false pools show only namespace and pool totals")
    func aggregateOnlyPools() {
        let text = render(.prometheus)
        #expect(!text.contains("one-of-many"))
        #expect(text.contains("rbd_pool_used_bytes{pool=\"big\"} 4194304\n"))
        #expect(text.contains("rbd_namespace_images{pool=\"big\",namespace=\"\"} 1\n"))
        #expect(text.contains("rbd_namespace_images{pool=\"rbd\",namespace=\"empty\"} 0\n"), "an empty namespace still shows")
    }

    @Test("trashed images have series and sums of their own, and live sums leave them out")
    func trashIsKeptApartFromLiveSums() {
        let text = render(.prometheus)
        let live = (1 << 40) + (10 << 30) as UInt64
        #expect(text.contains("rbd_pool_provisioned_bytes{pool=\"rbd\"} \(live)\n"))
        #expect(text.contains("rbd_pool_images{pool=\"rbd\"} 2\n"))
        #expect(text.contains("rbd_pool_trash_total_used_bytes{pool=\"rbd\"} \((96 << 20) + (64 << 20))\n"))
        #expect(text.contains("rbd_pool_trash_images{pool=\"rbd\"} 2\n"))
        #expect(text.contains("rbd_namespace_trash_images{pool=\"rbd\",namespace=\"tenant\"} 0\n"))
        #expect(text.contains("rbd_trash_image_total_used_bytes{pool=\"rbd\",namespace=\"\",image=\"vol1\",id=\"0ld1d\"} \(96 << 20)\n"))
        #expect(text.contains("rbd_trash_image_deferment_end_timestamp_seconds{pool=\"rbd\",namespace=\"\",image=\"vol1\",id=\"0ld1d\"} 1795500000\n"))
        #expect(text.contains("source=\"user_parent\""))
        #expect(!text.contains("image=\"gone\""), "per_image: false hides trashed images too")
        #expect(text.contains("rbd_pool_trash_used_bytes{pool=\"big\"} \(8 << 20)\n"))
    }

    @Test("in a pool where images name their PV or VolumeSnapshot, an image naming neither is an orphan candidate")
    func orphanCandidates() {
        let text = render(.prometheus)
        #expect(text.contains("rbd_image_orphan_candidate{pool=\"rbd\",namespace=\"\",image=\"vol1\"} 0\n"))
        #expect(text.contains(#"rbd_image_orphan_candidate{pool="rbd",namespace="tenant",image="pvc-\"quoted\"\\back\nslash-ünï-名前"} 1"#))
        #expect(!text.contains("rbd_image_created_timestamp_seconds{pool=\"rbd\",namespace=\"tenant\""), "an unknown creation time is left out, not 0")
        #expect(text.contains("csi_cluster_name=\"k8s-1\""))
    }

    /// Never skipped: without promtool the test fails (scripts/test installs it).
    @Test("the golden text passes promtool check metrics")
    func promtoolAcceptsOutput() async throws {
        let result = try await Shell.execute("promtool", ["check", "metrics"], standardInput: Data(render(.prometheus).utf8))
        let report = result.standardOutput + result.standardError
        #expect(result.status == 0, "\(report)")
        #expect(report.isEmpty, "promtool complained: \(report)")
    }

    @Test("scrapers get the format they prefer")
    func negotiation() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
        #expect(ExpositionFormat.negotiate(accept: prometheus) == .openMetrics)
        #expect(ExpositionFormat.negotiate(accept: "text/plain;version=0.0.4") == .prometheus)
        #expect(ExpositionFormat.negotiate(accept: nil) == .prometheus)
        #expect(ExpositionFormat.negotiate(accept: "application/openmetrics-text;q=0.2,text/plain;q=0.9") == .prometheus)
        #expect(ExpositionFormat.negotiate(accept: "application/json") == .prometheus)
    }

    @Test("every family has help text and unique names")
    func catalogIsConsistent() {
        let names = MetricCatalog.all.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(MetricCatalog.all.allSatisfy { !$0.help.isEmpty && $0.name.allSatisfy { $0.isLetter || $0 == "_" } })
    }
}
