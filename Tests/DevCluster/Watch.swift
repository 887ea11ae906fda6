import Foundation
import RBD
import Synchronization

/// A read-write handle on an image held open: it watches the image's header as a mapped device or
/// a VM does, until ``close()`` (or until the value goes away), and writes through it on request.
public final class Watch: Sendable {
    private let released = CancellationFlag()
    private let holder: Task<Void, any Error>
    private let writes = WriteQueue()

    /// Writes handed to the thread that holds the handle: a handle is never shared across threads.
    private final class WriteQueue: Sendable {
        struct Pending: Sendable {
            var bytes: [UInt8]
            var offset: UInt64
            var done: CheckedContinuation<Void, any Error>
        }
        let state = Mutex<(closed: Bool, pending: [Pending])>((false, []))

        /// The writes queued so far; with `closing`, later ones are refused.
        func take(closing: Bool = false) -> [Pending] {
            state.withLock { state in
                defer { state.pending = [] }
                state.closed = state.closed || closing
                return state.pending
            }
        }
    }

    /// Opens `image` read-write and returns once librbd lists the watch (within 30 s).
    public init(_ image: String, in context: IOContext) async throws {
        let released = self.released
        let writes = self.writes
        holder = Task {
            try await context.withImage(image, readOnly: false) { image in
                func serve(_ pending: [WriteQueue.Pending]) {
                    for write in pending {
                        do {
                            try image.write(write.bytes, at: write.offset)
                            write.done.resume()
                        } catch {
                            write.done.resume(throwing: error)
                        }
                    }
                }
                // The handle stays open on its pool thread; a short nap keeps that thread cheap.
                while !released.isCancelled {
                    serve(writes.take())
                    usleep(10_000)
                }
                serve(writes.take(closing: true))
            }
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while try await context.withImage(image, { image in try image.watchers().count }) == 0 {
            guard ContinuousClock.now < deadline else {
                released.cancel()
                throw Shell.Failure(command: "watch \(context.spec(image: image))", status: 1, output: "no watch registered within 30 s")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Writes `bytes` at `offset` through the held handle, as the client that has the image open
    /// would, and returns when librbd has written them.
    public func write(_ bytes: [UInt8], at offset: UInt64) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            let refused = writes.state.withLock { state in
                if !state.closed { state.pending.append(.init(bytes: bytes, offset: offset, done: done)) }
                return state.closed
            }
            if refused { done.resume(throwing: Shell.Failure(command: "write", status: 1, output: "the handle is closed")) }
        }
    }

    /// Closes the handle and waits until it is closed.
    public func close() async throws {
        released.cancel()
        try await holder.value
    }

    deinit { released.cancel() }
}
