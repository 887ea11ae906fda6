import Foundation
import RBD

/// A read-write handle on an image held open: it watches the image's header as a mapped device or
/// a VM does, until ``close()`` (or until the value goes away).
public final class Watch: Sendable {
    private let released = CancellationFlag()
    private let holder: Task<Void, any Error>

    /// Opens `image` read-write and returns once librbd lists the watch (within 30 s).
    public init(_ image: String, in context: IOContext) async throws {
        let released = self.released
        holder = Task {
            try await context.withImage(image, readOnly: false) { _ in
                // The handle stays open on its pool thread; a short nap keeps that thread cheap.
                while !released.isCancelled { usleep(10_000) }
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

    /// Closes the handle and waits until it is closed.
    public func close() async throws {
        released.cancel()
        try await holder.value
    }

    deinit { released.cancel() }
}
