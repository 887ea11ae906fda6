import Foundation
@testable import Metering
import Testing

/// Per-pool backoff after timeouts: pure logic over scripted reports, no Ceph involved.
@Suite("Pool backoff")
struct PoolBackoffTests {
    static let timing = Scheduler.Timing(interval: .seconds(60), jitter: 0, initialBackoff: .seconds(5), maximumBackoff: .seconds(30))
    static let timeout = ScanFailure(reason: .timeout, message: "stat slow/rbd_header.1: ETIMEDOUT (Connection timed out)")

    static func report(_ pools: [PoolScan]) -> ScanReport {
        ScanReport(startedAt: Date(), finishedAt: Date(), mode: .exact, pools: pools)
    }

    static func skipped(_ pool: String) -> PoolScan {
        var scan = PoolScan(pool: pool, failure: timeout)
        scan.skipped = true
        return scan
    }

    @Test("a pool that times out waits the scheduler's backoff, doubling up to the maximum, while the others are scanned on")
    func timeoutsDoubleTheWait() {
        var backoff = PoolBackoff()
        let start = ContinuousClock.now
        var expected: [Duration] = []
        for round in 1...4 {
            let now = start + .seconds(100 * round)
            backoff.record(Self.report([PoolScan(pool: "slow", failure: Self.timeout), PoolScan(pool: "fine")]), timing: Self.timing, now: now)
            #expect(backoff.timeouts(of: "slow") == round)
            #expect(backoff.timeouts(of: "fine") == 0)
            let waits = backoff.pools["slow"]!.retryAt - now
            expected.append(waits)
            #expect(backoff.waiting(at: now + waits - .milliseconds(1)) == ["slow": Self.timeout], "waits out its backoff")
            #expect(backoff.waiting(at: now + waits).isEmpty, "and is tried again after it")
        }
        #expect(expected == [.seconds(5), .seconds(10), .seconds(20), .seconds(30)])
    }

    @Test("a skipped pool keeps its count; one scanned to the end is forgiven; other failures and an unreachable cluster do not count")
    func whatCounts() {
        var backoff = PoolBackoff()
        let now = ContinuousClock.now
        backoff.record(Self.report([PoolScan(pool: "slow", failure: Self.timeout)]), timing: Self.timing, now: now)
        backoff.record(Self.report([Self.skipped("slow")]), timing: Self.timing, now: now + .seconds(1))
        #expect(backoff.timeouts(of: "slow") == 1, "skipping is not trying")
        #expect(backoff.pools["slow"]?.retryAt == now + .seconds(5), "the wait is not renewed by a skip")

        let refused = ScanFailure(reason: .permissionDenied, message: "EACCES")
        backoff.record(Self.report([PoolScan(pool: "slow", failure: Self.timeout), PoolScan(pool: "locked", failure: refused)]), timing: Self.timing, now: now + .seconds(6))
        #expect(backoff.timeouts(of: "slow") == 2)
        #expect(backoff.timeouts(of: "locked") == 0, "waiting does not mend a refused key")

        backoff.record(
            Self.report([PoolScan(pool: "slow", failure: Self.timeout.asClusterUnreachable)]), timing: Self.timing, now: now + .seconds(20))
        #expect(backoff.timeouts(of: "slow") == 2, "an unreachable cluster is the scheduler's backoff, not the pool's")

        backoff.record(Self.report([PoolScan(pool: "slow")]), timing: Self.timing, now: now + .seconds(30))
        #expect(backoff.pools.isEmpty, "scanned to the end: forgiven")

        backoff.record(Self.report([PoolScan(pool: "gone", failure: Self.timeout)]), timing: Self.timing, now: now + .seconds(40))
        backoff.record(Self.report([PoolScan(pool: "other")]), timing: Self.timing, now: now + .seconds(41))
        #expect(backoff.pools.isEmpty, "a pool no longer scanned is forgotten")
    }

    @Test("a skipped pool stays stale with its last numbers and its timeout is not counted again; reconnects and the failures they mended are counted, the new connection shown")
    func skippedPoolInTheSnapshot() {
        let state = MeterState()
        let image = ImageUsage(pool: "slow", namespace: "", image: "a", id: "1", provisionedBytes: 10, usedBytes: 5, totalUsedBytes: 5, snapshots: 0)
        state.apply(Self.report([PoolScan(pool: "slow", images: [image], duration: 2)]))
        state.apply(Self.report([PoolScan(pool: "slow", failure: Self.timeout, duration: 5)]))
        state.apply(Self.report([Self.skipped("slow")]))
        var retried = PoolScan(pool: "other")
        retried.retriedAfter = ScanFailure(reason: .blocklisted, message: "list images other: ESHUTDOWN")
        var reconnected = Self.report([Self.skipped("slow"), retried])
        reconnected.reconnects = 1
        reconnected.connection = ConnectionIdentity(client: "client.admin", address: "127.0.0.1:0/2")
        state.apply(reconnected)
        let snapshot = state.snapshot
        #expect(snapshot.pools["slow"]?.stale == true)
        #expect(snapshot.pools["slow"]?.images == [image], "the last good numbers are kept")
        #expect(snapshot.pools["slow"]?.scanDuration == 5, "the duration of the scan that timed out")
        #expect(snapshot.scanErrors[.init(pool: "slow", reason: .timeout)] == 1, "one timeout, counted once")
        #expect(snapshot.scans[.failure] == 2, "a scan that skipped its only pool refreshed nothing")
        #expect(snapshot.reconnects == 1)
        #expect(snapshot.connection?.address == "127.0.0.1:0/2", "the connection of the latest scan")
        #expect(snapshot.scanErrors[.init(pool: "other", reason: .blocklisted)] == 1, "the failure a fresh connection mended still counts")
        #expect(snapshot.pools["other"]?.stale == false)
    }

    @Test("a fresh connection is tried at the second timeout in a row, then each time the count doubles")
    func freshConnectionTries() {
        let tried = (1...40).filter { ClusterScanSource.triesFreshConnection(afterTimeouts: $0) }
        #expect(tried == [2, 4, 8, 16, 32])
    }
}
