import Glibc
import NIOPosix
import Synchronization

/// The threads that run librados and librbd calls.
///
/// Every call into Ceph blocks its thread until the cluster answers (or a timeout fires), so it must
/// never run on Swift's cooperative pool, which has only one thread per core. The pool's size bounds
/// how many Ceph calls are in flight at once.
public final class BlockingPool: Sendable {
    /// How many calls may block at once.
    public let threads: Int
    /// The nice value of the pool's threads (0: as the process).
    public let niceness: Int32
    private let pool: NIOThreadPool
    private let niced = ThreadSpecificVariable<Marker>()
    private let detached = Mutex<(running: Int, waiters: [CheckedContinuation<Void, Never>])>((0, []))

    private final class Marker: Sendable {}

    /// Starts `threads` dedicated threads.
    ///
    /// - Parameter niceness: a positive value makes the threads yield the CPU to the rest of the
    ///   process. librados and librbd start their own threads (messenger workers, finishers) from the
    ///   thread that first needs them, and Linux gives a new thread its creator's nice value, so a
    ///   client connected on this pool runs entirely at this priority: on a busy host the HTTP
    ///   server answers scrapes first.
    public init(threads: Int, niceness: Int32 = 0) {
        precondition(threads > 0, "a blocking pool needs at least one thread")
        self.threads = threads
        self.niceness = niceness
        self.pool = NIOThreadPool(numberOfThreads: threads)
        self.pool.start()
    }

    /// Runs `body` on one of the pool's threads and returns its result.
    ///
    /// A task cancelled while its work is still queued gets `CancellationError` without running it.
    @discardableResult
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive { [niceness, niced] in
            if niceness != 0 && niced.currentValue == nil {
                // On Linux the nice value belongs to the thread: this leaves the others alone.
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
                niced.currentValue = Marker()
            }
            return try body()
        }
    }

    /// Runs `body` on one of the pool's threads without waiting for it; for releasing Ceph handles
    /// from a `deinit`, which may run on any thread, the cooperative ones included. ``shutdown()``
    /// waits for such work. Once the pool is shut down, `body` runs at once on the caller's thread:
    /// by then the process is ending, and a handle must still be released before it exits.
    public func runDetached(_ body: @escaping @Sendable () -> Void) {
        detached.withLock { $0.running += 1 }
        let work = DetachedWork(body)
        pool.submit { [self] _ in
            work.run()
            let waiters = self.detached.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.running -= 1
                guard state.running == 0 else { return [] }
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    /// Runs `body` on one of the pool's threads and waits for it, even in a cancelled task: for
    /// releasing a Ceph handle, which must happen whatever the caller's state.
    public func release(_ body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            runDetached {
                body()
                continuation.resume()
            }
        }
    }

    /// One piece of detached work, released as soon as it has run. What its closure holds (an
    /// `IOContext`'s cluster) may be the last reference, whose `deinit` detaches more work: that must
    /// happen before this work counts as done, or ``shutdown()`` could return while it still runs,
    /// and the process exit while `rados_shutdown` reads librados' configuration (a crash with
    /// status 139, seen in CI).
    private final class DetachedWork: @unchecked Sendable {
        private var body: (@Sendable () -> Void)?

        init(_ body: @escaping @Sendable () -> Void) { self.body = body }

        /// Runs the body once and drops it, and with it everything it captured. Called once, from one thread.
        func run() {
            guard let body else { return }
            self.body = nil
            body()
        }
    }

    /// Waits for detached work (handles being released) and running work to finish, and stops the threads.
    public func shutdown() async {
        await withCheckedContinuation { continuation in
            let idle = detached.withLock { state in
                if state.running == 0 { return true }
                state.waiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
        try? await pool.shutdownGracefully()
    }
}
