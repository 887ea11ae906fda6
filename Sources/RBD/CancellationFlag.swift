import Synchronization

/// Tells a blocking call on a pool thread that the task waiting for it was cancelled.
///
/// A diff iteration can run for minutes on a large image without fast-diff; its callback polls this
/// flag and stops the iteration, so a cancelled scan ends promptly instead of at the end of the image.
public final class CancellationFlag: Sendable {
    private let cancelled = Atomic<Bool>(false)

    public init() {}

    /// Whether `cancel()` was called.
    public var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Marks the work as cancelled.
    public func cancel() { cancelled.store(true, ordering: .relaxed) }
}

extension BlockingPool {
    /// Runs `body` on the pool with a flag that is raised when the calling task is cancelled.
    public func runCancellable<T: Sendable>(_ body: @escaping @Sendable (CancellationFlag) throws -> T) async throws -> T {
        let flag = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await run { try body(flag) }
        } onCancel: {
            flag.cancel()
        }
    }
}
