import NIOPosix

/// The threads that run librados and librbd calls.
///
/// Every call into Ceph blocks its thread until the cluster answers (or a timeout fires), so it must
/// never run on Swift's cooperative pool, which has only one thread per core. The pool's size bounds
/// how many Ceph calls are in flight at once.
public final class BlockingPool: Sendable {
    /// How many calls may block at once.
    public let threads: Int
    private let pool: NIOThreadPool

    /// Starts `threads` dedicated threads.
    public init(threads: Int) {
        precondition(threads > 0, "a blocking pool needs at least one thread")
        self.threads = threads
        self.pool = NIOThreadPool(numberOfThreads: threads)
        self.pool.start()
    }

    /// Runs `body` on one of the pool's threads and returns its result.
    ///
    /// A task cancelled while its work is still queued gets `CancellationError` without running it.
    @discardableResult
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }

    /// Waits for running work to finish and stops the threads.
    public func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
