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

    @Test("a run cancelled under a pool time budget ends as cancelled, not as over its budget")
    func cancellationIsNotADeadline() async throws {
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

    @Test("a run that outlives its deadline ends as over its budget")
    func deadlineEndsTheRun() async throws {
        let measurements = HeldMeasurements()
        let run = Task {
            await measureBounded(Array(0..<4), limit: 2, deadline: .now + .milliseconds(50), measure: { _ in await measurements.measure() }, receive: { _ in true })
        }
        #expect(try await poll(seconds: 60, every: .milliseconds(5)) { measurements.count == 2 })
        // The deadline passes while both measurements are held; they end only when the run has.
        let ended = Task { await run.value }
        try await Task.sleep(for: .milliseconds(100))
        measurements.release()
        #expect(await ended.value == .deadline)
        measurements.release()
    }
}
