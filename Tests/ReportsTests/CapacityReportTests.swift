import Foundation
import History
import Metering
@testable import Reports
import Testing
import TestSupport

/// Reports built from synthetic history written with past timestamps.
@Suite("Capacity report and chargeback")
struct CapacityReportTests {
    static let start = 1_795_046_400.0  // a midnight UTC
    static let step = 600.0

    /// Six hours of scans every ten minutes, with the exporter down from hour 2 to hour 4:
    /// `k8s/grower` grows by 1 GiB an hour, `k8s/steady` stays at 2 GiB, `other/quote"d` at 1 GiB.
    static func history() async throws -> HistoryStore {
        let path = try TemporaryFolder.make("report").appendingPathComponent("history.sqlite").path
        let store = try HistoryStore(path: path)
        for index in 0...36 {
            let time = start + Double(index) * step
            if time > start + 2 * 3600 && time < start + 4 * 3600 { continue }
            let hours = Double(index) * step / 3600
            func usage(_ pool: String, _ name: String, _ used: Double, pvc: String = "") -> ImageUsage {
                ImageUsage(pool: pool, namespace: "", image: name, id: "id-\(name)", provisionedBytes: 100 << 30, usedBytes: UInt64(used),
                           totalUsedBytes: UInt64(used), snapshots: 0, kubernetes: KubernetesIdentity(pv: "pv-\(name)", pvc: name, pvcNamespace: pvc))
            }
            let gib = Double(1 << 30)
            let report = ScanReport(startedAt: Date(timeIntervalSince1970: time - 5), finishedAt: Date(timeIntervalSince1970: time), mode: .exact, pools: [
                PoolScan(pool: "k8s", images: [usage("k8s", "grower", (10 + hours) * gib, pvc: "shop"), usage("k8s", "steady", 2 * gib, pvc: "shop")]),
                PoolScan(pool: "other", images: [usage("other", "quote\"d<b>", gib)]),
            ])
            try await store.record(report)
        }
        return store
    }

    @Test("the report groups current usage, finds the grower, its days to full, and the quotas over threshold")
    func reportContents() async throws {
        let store = try await Self.history()
        let rules = [QuotaRule(name: "shop", scope: .pvcNamespace, pvcNamespace: "shop", limitBytes: 37 << 29)]
        let now = Date(timeIntervalSince1970: Self.start + 6 * 3600)
        let report = try await CapacityReport.build(history: store, since: Date(timeIntervalSince1970: Self.start), now: now, grouping: .pool, rules: rules)
        #expect(report.groups.map(\.group) == ["k8s", "other"])
        #expect(report.groups.first?.images == 2)
        #expect(report.groups.first?.totalUsedBytes == Double(18 << 30))
        let grower = try #require(report.topGrowers.first)
        #expect(grower.subjectName == "k8s/grower")
        #expect(abs(grower.growthPerDay - 24 * Double(1 << 30)) < Double(1 << 20), "1 GiB an hour")
        let days = try #require(grower.daysToFull(now: now.timeIntervalSince1970))
        #expect(abs(days - 84.0 / 24) < 0.05, "84 GiB left at 24 GiB a day")
        #expect(report.overQuota.map(\.subject) == ["k8s:shop"])
        #expect(report.overQuota.first?.level == .critical)
        let byTenant = try await CapacityReport.build(history: store, since: Date(timeIntervalSince1970: Self.start), now: now, grouping: .pvcNamespace, rules: [])
        #expect(Set(byTenant.groups.map(\.group)) == ["shop", "(none)"])
    }

    @Test("reports and chargeback group by VolumeSnapshot; an image that becomes one is regrouped")
    func groupsByVolumeSnapshot() async throws {
        let store = try HistoryStore(path: try TemporaryFolder.make("report-snapshots").appendingPathComponent("history.sqlite").path)
        func image(_ name: String, _ identity: KubernetesIdentity) -> ImageUsage {
            ImageUsage(pool: "k8s", namespace: "", image: name, id: "id-\(name)", provisionedBytes: 10 << 30, usedBytes: 1 << 30,
                       totalUsedBytes: 1 << 30, snapshots: 0, kubernetes: identity)
        }
        let volume = KubernetesIdentity(pv: "pv-1", pvc: "data", pvcNamespace: "shop")
        let snapshot = KubernetesIdentity(volumeSnapshot: "nightly", volumeSnapshotNamespace: "shop", volumeSnapshotContent: "snapcontent-1")
        for index in 0..<3 {
            let time = Self.start + Double(index) * Self.step
            // The second image is a plain clone at first; ceph-csi then marks it as the snapshot's.
            let images = [image("csi-vol-1", volume), image("csi-snap-1", index == 0 ? KubernetesIdentity() : snapshot)]
            try await store.record(ScanReport(
                startedAt: Date(timeIntervalSince1970: time - 5), finishedAt: Date(timeIntervalSince1970: time), mode: .exact,
                pools: [PoolScan(pool: "k8s", images: images)]))
        }
        let now = Date(timeIntervalSince1970: Self.start + 2 * Self.step)
        let report = try await CapacityReport.build(history: store, since: Date(timeIntervalSince1970: Self.start), now: now, grouping: .volumeSnapshot, rules: [])
        #expect(Set(report.groups.map(\.group)) == ["shop/nightly", "(none)"])
        #expect(report.groups.first { $0.group == "shop/nightly" }?.totalUsedBytes == Double(1 << 30))
        let usage = try await UsageMetering.lines(history: store, from: Date(timeIntervalSince1970: Self.start), until: now, by: .volumeSnapshot)
        #expect(usage.map(\.group) == ["(none)", "shop/nightly"])
        try store.close()
    }

    @Test("the HTML page is self-contained, with charts and escaped names")
    func htmlPage() async throws {
        let store = try await Self.history()
        let report = try await CapacityReport.build(
            history: store, since: Date(timeIntervalSince1970: Self.start), now: Date(timeIntervalSince1970: Self.start + 6 * 3600),
            grouping: .image, rules: [QuotaRule(name: "shop", scope: .pvcNamespace, pvcNamespace: "shop", limitBytes: 20 << 30)])
        let html = report.html
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 3, "two line charts and one bar chart")
        #expect(html.contains("<polyline"))
        #expect(html.contains("quote&quot;d&lt;b&gt;"))
        #expect(!html.contains("quote\"d<b>"))
        #expect(!html.contains("http://") || html.contains("xmlns=\"http://www.w3.org/2000/svg\""), "nothing loaded from elsewhere")
        #expect(!html.contains("<script"))
        #expect(report.csv.hasPrefix("image,images,provisioned_bytes,used_bytes,total_used_bytes,growth_bytes_per_day,days_to_full\r\n"))
    }

    @Test("a chart's value holds within a run of unchanged scans and for one usual silence after a point, and a gap in the middle of a history stays empty")
    func valuesLeaveGapsInTheMiddleEmpty() {
        let policy = ObservationPolicy(scanTimes: [0, 600, 1200])
        func point(_ time: Double, _ bytes: Double, continues: Bool = false) -> SeriesPoint {
            SeriesPoint(time: time, provisionedBytes: 100, usedBytes: bytes, totalUsedBytes: bytes, continuesToNext: continues)
        }
        // Unchanged from 0 to 3,000 s, then the exporter was down for a day, then one more scan.
        let points = [point(0, 10, continues: true), point(3000, 10), point(90_000, 20)]
        #expect(CapacityReport.value(of: points, at: 1500, policy: policy) == 10, "within the run")
        #expect(CapacityReport.value(of: points, at: 3600, policy: policy) == 10, "one interval after the run's last scan")
        #expect(CapacityReport.value(of: points, at: 50_000, policy: policy) == nil, "the day the exporter was down")
        #expect(CapacityReport.value(of: points, at: 90_100, policy: policy) == 20)
        #expect(CapacityReport.value(of: points, at: 99_000, policy: policy) == nil, "after the history's end")
        #expect(CapacityReport.value(of: points, at: -1, policy: policy) == nil, "before its start")
    }

    @Test("usage integrates observed time only and states the gap")
    func chargeback() async throws {
        let store = try await Self.history()
        let lines = try await UsageMetering.lines(
            history: store, from: Date(timeIntervalSince1970: Self.start), until: Date(timeIntervalSince1970: Self.start + 6 * 3600), by: .image)
        let steady = try #require(lines.first { $0.group == "k8s/steady" })
        // Observed 0h–2h10 (the sample after the last scan before the gap covers one interval) and 4h–6h.
        #expect(abs(steady.coveredHours - (2 + 1.0 / 6 + 2)) < 0.01)
        #expect(abs(steady.gapHours - (2 - 1.0 / 6)) < 0.01)
        #expect(abs(steady.usedGiBHours - 2 * steady.coveredHours) < 0.01)
        #expect(abs(steady.provisionedGiBHours - 100 * steady.coveredHours) < 0.5)
        let byTenant = try await UsageMetering.lines(
            history: store, from: Date(timeIntervalSince1970: Self.start), until: Date(timeIntervalSince1970: Self.start + 6 * 3600), by: .pvcNamespace)
        #expect(byTenant.map(\.group) == ["(none)", "shop"])
        #expect(byTenant.last!.usedGiBHours > steady.usedGiBHours)
    }
}
