import DevCluster
import Foundation
@testable import Metering
import Synchronization
import Testing

/// The bounded loop that measures a pool's images: how a run ends. No Ceph involved.
@Suite("Bounded measurement")
struct BoundedMeasurementTests {
    /// Measurements that end only when the test lets them, whatever is cancelled meanwhile (as a
    /// librbd call that does not look at cancellation).
    final class HeldMeasurements: Sendable {
        private let held = Mutex<[CheckedContinuation<Void, Never>]>([])

        func measure() async -> Int {
            await withCheckedContinuation { continuation in held.withLock { $0.append(continuation) } }
            return 0
        }

        var count: Int { held.withLock { $0.count } }

        func release() {
            for continuation in held.withLock({ state in defer { state = [] }; return state }) { continuation.resume() }
        }
    }

    /// Starts a run of four items, two at a time, until `deadline`, and returns once both first
    /// measurements are under way (and held).
    static func startRun(until deadline: ContinuousClock.Instant, _ measurements: HeldMeasurements) async throws -> Task<BoundedRunEnd, Never> {
        let run = Task {
            await measureBounded(Array(0..<4), limit: 2, deadline: deadline, measure: { _ in await measurements.measure() }, receive: { _ in true })
        }
        try #require(try await poll(seconds: 60, every: .milliseconds(5)) { measurements.count == 2 })
        return run
    }

    @Test("a run cancelled under a pool time budget ends as cancelled, not as over its budget")
    func cancellationIsNotADeadline() async throws {
        // Which child reports first after the cancellation (the deadline's sleep or a measurement)
        // is up to the scheduler; the bug showed only when the sleep did (about one run in three),
        // so the run is repeated until each order has surely come up.
        for _ in 0..<20 {
            let measurements = HeldMeasurements()
            let run = try await Self.startRun(until: .now + .seconds(600), measurements)
            // The measurements end only after the cancellation.
            run.cancel()
            measurements.release()
            #expect(await run.value == .cancelled)
            measurements.release()
        }
    }

    @Test("a run that outlives its deadline ends as over its budget")
    func deadlineEndsTheRun() async throws {
        let measurements = HeldMeasurements()
        let deadline = ContinuousClock.now + .milliseconds(50)
        let run = try await Self.startRun(until: deadline, measurements)
        // The deadline passes while both measurements are held; they end only after it.
        try await Task.sleep(until: deadline + .milliseconds(50), clock: .continuous)
        measurements.release()
        #expect(await run.value == .deadline)
        measurements.release()
    }
}
