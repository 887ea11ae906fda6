import Dispatch
import Foundation
import RBD
import Synchronization

/// A read-write handle on an image held open: it watches the image's header as a mapped device or
/// a VM does, until ``close()`` (or until the value goes away), and writes through it on request.
///
/// The handle lives on one thread of the connection's pool (a handle is never shared across
/// threads), asleep until a write or the close wakes it: a thousand of them cost no CPU.
public final class Watch: Sendable {
    private let holder: Task<Void, any Error>
    private let requests = Requests()

    /// What the holding thread is asked to do.
    private final class Requests: Sendable {
        struct Pending: Sendable {
            var bytes: [UInt8]
            var offset: UInt64
            var done: CheckedContinuation<Void, any Error>
        }
        private let state = Mutex<(closed: Bool, pending: [Pending])>((false, []))
        private let wake = DispatchSemaphore(value: 0)

        /// Queues a write; `false` once the handle is closing.
        func add(_ write: Pending) -> Bool {
            let accepted = state.withLock { state in
                if !state.closed { state.pending.append(write) }
                return !state.closed
            }
            if accepted { wake.signal() }
            return accepted
        }

        func close() {
            state.withLock { $0.closed = true }
            wake.signal()
        }

        /// Waits for work: the writes queued, and whether the handle is to close after them.
        func next() -> (writes: [Pending], closing: Bool) {
            wake.wait()
            return state.withLock { state in
                defer { state.pending = [] }
                return (state.pending, state.closed)
            }
        }
    }

    /// Opens `image` read-write and returns once librbd lists the watch (within 30 s).
    public init(_ image: String, in context: IOContext) async throws {
        let requests = self.requests
        holder = Task {
            try await context.withImage(image, readOnly: false) { image in
                while true {
                    let (writes, closing) = requests.next()
                    for write in writes {
                        do {
                            try image.write(write.bytes, at: write.offset)
                            write.done.resume()
                        } catch {
                            write.done.resume(throwing: error)
                        }
                    }
                    if closing { return }
                }
            }
        }
        let watched = try await poll(seconds: 30, every: .milliseconds(50)) {
            try await context.withImage(image, { image in try image.watchers().count }) > 0
        }
        guard watched else {
            requests.close()
            throw Shell.Failure(command: "watch \(context.spec(image: image))", status: 1, output: "no watch registered within 30 s")
        }
    }

    /// Writes `bytes` at `offset` through the held handle, as the client that has the image open
    /// would, and returns when librbd has written them.
    public func write(_ bytes: [UInt8], at offset: UInt64) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            if !requests.add(.init(bytes: bytes, offset: offset, done: done)) {
                done.resume(throwing: Shell.Failure(command: "write", status: 1, output: "the handle is closed"))
            }
        }
    }

    /// Closes the handle and waits until it is closed.
    public func close() async throws {
        requests.close()
        try await holder.value
    }

    deinit { requests.close() }
}
