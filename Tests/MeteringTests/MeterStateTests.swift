import Foundation
import Metering
import Testing

/// How finished scans fold into the snapshot that `/metrics` serves.
@Suite("MeterState")
struct MeterStateTests {
    static func image(_ name: String, pool: String = "rbd", used: UInt64) -> ImageUsage {
        ImageUsage(pool: pool, namespace: "", image: name, id: name, provisionedBytes: 100, usedBytes: used, totalUsedBytes: used, snapshots: 0)
    }

    static func report(_ pools: [PoolScan], at time: Double) -> ScanReport {
        ScanReport(startedAt: Date(timeIntervalSince1970: time - 1), finishedAt: Date(timeIntervalSince1970: time), mode: .exact, pools: pools)
    }

    @Test("a failed pool keeps its last good numbers, marked stale; the cluster counts as down only when the monitors did not answer")
    func failedPoolKeepsLastGoodData() {
        let state = MeterState()
        state.apply(Self.report([PoolScan(pool: "rbd", images: [Self.image("a", used: 5)])], at: 100))
        #expect(state.snapshot.up)
        #expect(state.snapshot.lastSuccessAt == Date(timeIntervalSince1970: 100))

        let timeout = ScanFailure(reason: .timeout, message: "diff extents of rbd/a: ETIMEDOUT", clusterUnreachable: true)
        state.apply(Self.report([PoolScan(pool: "rbd", images: [], failure: timeout)], at: 200))
        let snapshot = state.snapshot
        #expect(!snapshot.up)
        #expect(snapshot.pools["rbd"]?.stale == true)
        #expect(snapshot.pools["rbd"]?.images.map(\.usedBytes) == [5])
        #expect(snapshot.pools["rbd"]?.lastSuccessAt == Date(timeIntervalSince1970: 100))
        #expect(snapshot.lastSuccessAt == Date(timeIntervalSince1970: 100))
        #expect(snapshot.scanErrors[.init(pool: "rbd", reason: .timeout)] == 1)
        #expect(snapshot.scans == [.success: 1, .failure: 1])
    }

    @Test("a pool that times out while the monitors answer is stale on its own: the other pools stay fresh, the cluster up, the scan partial")
    func timedOutPoolDoesNotTakeTheClusterDown() {
        let state = MeterState()
        state.apply(Self.report([
            PoolScan(pool: "stuck", images: [Self.image("a", pool: "stuck", used: 5)]),
            PoolScan(pool: "rbd", images: [Self.image("b", used: 1)]),
        ], at: 100))
        let stuck = ScanFailure(reason: .timeout, message: "list namespaces of stuck: ETIMEDOUT")
        state.apply(Self.report([
            PoolScan(pool: "stuck", failure: stuck),
            PoolScan(pool: "rbd", images: [Self.image("b", used: 2)]),
        ], at: 200))
        let snapshot = state.snapshot
        #expect(snapshot.up)
        #expect(snapshot.pools["stuck"]?.stale == true)
        #expect(snapshot.pools["stuck"]?.images.map(\.usedBytes) == [5])
        #expect(snapshot.pools["rbd"]?.stale == false)
        #expect(snapshot.pools["rbd"]?.images.map(\.usedBytes) == [2])
        #expect(snapshot.pools["rbd"]?.lastSuccessAt == Date(timeIntervalSince1970: 200))
        #expect(snapshot.scans == [.success: 1, .partial: 1])
    }

    @Test("a failed image keeps its previous numbers; a vanished image is dropped; deleted pools disappear")
    func imageFailures() {
        let state = MeterState()
        state.apply(Self.report([
            PoolScan(pool: "rbd", images: [Self.image("a", used: 5), Self.image("b", used: 7), Self.image("c", used: 9)]),
            PoolScan(pool: "gone", images: [Self.image("x", pool: "gone", used: 1)]),
        ], at: 100))
        let failed = ImageFailure(pool: "rbd", namespace: "", image: "b", failure: ScanFailure(reason: .error, message: "EIO"))
        let vanished = ImageFailure(pool: "rbd", namespace: "", image: "c", failure: ScanFailure(reason: .notFound, message: "ENOENT"))
        state.apply(Self.report([PoolScan(pool: "rbd", images: [Self.image("a", used: 6)], imageFailures: [failed, vanished])], at: 200))
        let snapshot = state.snapshot
        #expect(snapshot.pools.keys.sorted() == ["rbd"])
        #expect(snapshot.pools["rbd"]?.images.map(\.image) == ["a", "b"])
        #expect(snapshot.pools["rbd"]?.images.map(\.usedBytes) == [6, 7])
        #expect(snapshot.imageScanErrors[.init(pool: "rbd", reason: .error)] == 1)
        #expect(snapshot.imageScanErrors[.init(pool: "rbd", reason: .notFound)] == 1)
        #expect(snapshot.up)
    }

    @Test("every change bumps the version that caches key on")
    func versionChangesWithEveryUpdate() {
        let state = MeterState()
        let before = state.snapshot.version
        state.apply(Self.report([], at: 1))
        state.recordUnreachable(ScanFailure(reason: .timeout, message: "x"))
        state.invalidate()
        #expect(state.snapshot.version == before + 3)
        #expect(!state.snapshot.up)
    }
}
