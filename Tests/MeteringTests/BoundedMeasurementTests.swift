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
        private let cancellations = Atomic<Int>(0)

        func measure() async -> Int {
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in held.withLock { $0.append(continuation) } }
            } onCancel: {
                cancellations.add(1, ordering: .relaxed)
            }
            return 0
        }

        /// Measurements the run cancelled (and that go on until released).
        var cancelled: Int { cancellations.load(ordering: .relaxed) }

        var count: Int { held.withLock { $0.count } }

        func release() {
            for continuation in held.withLock({ state in defer { state = [] }; return state }) { continuation.resume() }
        }
    }

    @Test("a run cancelled under a pool time budget ends as cancelled, not as over its budget")
    func cancellationIsNotADeadline() async throws {
        // Which cancelled child reports first (the deadline's sleep or a measurement) is the task
        // group's choice; the bug showed only when the sleep did, about one run in three.
        for _ in 0..<20 {
            let measurements = HeldMeasurements()
            let run = Task {
                await measureBounded(Array(0..<4), limit: 2, deadline: .now + .seconds(600), measure: { _ in await measurements.measure() }, receive: { _ in true })
            }
            // Cancel only once measurements are under way, and let them end only after the cancellation.
            #expect(try await poll(seconds: 60, every: .milliseconds(5)) { measurements.count == 2 })
            run.cancel()
            measurements.release()
            #expect(await run.value == .cancelled)
            measurements.release()
        }
    }

    @Test("a run that outlives its deadline ends as over its budget, its measurements still running")
    func deadlineEndsTheRun() async throws {
        let measurements = HeldMeasurements()
        // The measurements end only when the test lets them: only the deadline can end the run
        // (however late this task starts). The task group waits for its children, so the run's
        // answer comes once they are released, after the run has cancelled them.
        let returned = Atomic<Bool>(false)
        let run = Task {
            let end = await measureBounded(Array(0..<4), limit: 2, deadline: .now + .milliseconds(50), measure: { _ in await measurements.measure() }, receive: { _ in true })
            returned.store(true, ordering: .relaxed)
            return end
        }
        // Started late, past its deadline, the run ends before measuring anything.
        #expect(try await poll(seconds: 60, every: .milliseconds(5)) { returned.load(ordering: .relaxed) || measurements.cancelled == 2 })
        measurements.release()
        #expect(await run.value == .deadline)
    }
}
