import DevCluster
import Foundation
@testable import RBD
import Synchronization
import Testing

/// `Cluster.close()` and `IOContext.close()`: the explicit end of a connection, in an order that
/// does not depend on which reference drops last.
@Suite("Connection lifetime")
struct ConnectionLifetimeTests {
    /// A call held on its pool thread until the test lets it go.
    final class Gate: Sendable {
        private let state = Mutex((entered: false, open: false))
        var entered: Bool { state.withLock { $0.entered } }
        func open() { state.withLock { $0.open = true } }
        /// Called on the pool thread: says it is in, then waits to be let go.
        func pass() {
            state.withLock { $0.entered = true }
            while !state.withLock({ $0.open }) { usleep(1000) }
        }
    }

    @Test("closing a connection lets a running call finish, refuses calls from then on on it and its contexts, and may be repeated")
    func closeWaitsForRunningCallsAndRefusesNewOnes() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("lifetime") { pool in
            let cluster = try await dev.connect()
            let context = try await cluster.ioContext(pool: pool)
            try await context.createImage("held", size: 4 << 20)
            let gate = Gate()
            let running = Task { try await context.withImage("held") { image in
                gate.pass()
                return try image.info().size
            } }
            #expect(try await poll(seconds: 60, every: .milliseconds(5)) { gate.entered }, "the call runs")
            let closed = Mutex(false)
            let closing = Task {
                await cluster.close()
                closed.withLock { $0 = true }
            }
            #expect(try await poll(seconds: 60, every: .milliseconds(5)) { context.isClosing }, "the close reached the context")

            let refused = await #expect(throws: RBDError.self) { try await context.images() }
            #expect(refused?.kind == .cancelled, "a call on the closing context: \(String(describing: refused))")
            let closedEarly = closed.withLock { $0 }
            #expect(!closedEarly, "the close waits for the running call")
            gate.open()
            #expect(try await running.value == 4 << 20, "the running call finished on its handle")
            await closing.value

            let afterwards = await #expect(throws: RBDError.self) { try await cluster.poolNames() }
            #expect(afterwards?.kind == .cancelled)
            await cluster.close()
            await context.close()
        }
    }

    @Test("a closed context fails its calls and leaves its connection working")
    func closedContextLeavesItsConnection() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("lifetime") { pool in
            let cluster = try await dev.connect()
            let context = try await cluster.ioContext(pool: pool)
            await context.close()
            let refused = await #expect(throws: RBDError.self) { try await context.images() }
            #expect(refused?.kind == .cancelled)
            #expect(try await cluster.ioContext(pool: pool).images().isEmpty, "the connection still serves")
            await cluster.close()
        }
    }
}
