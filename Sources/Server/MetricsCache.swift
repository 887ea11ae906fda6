import CompressNIO
import Exposition
import Foundation
import Metering
import NIOCore
import Synchronization

/// Finished `/metrics` bodies, one per format and encoding.
///
/// Rendering and compressing ten thousand images takes tens of milliseconds, too long to repeat for
/// every scrape of a busy exporter, and process metrics change every moment. So:
/// - a body of the current snapshot less than a second old is served as it is;
/// - one up to five seconds old is served too, while one background task renders the next: under
///   heavy scraping nobody waits for a render;
/// - an older body, or one of an earlier snapshot, is rendered again before answering, once for
///   all the scrapes that ask meanwhile: an occasional scraper (Prometheus every 15 s) always gets
///   fresh numbers.
final class MetricsCache: Sendable {
    struct Key: Hashable {
        var format: ExpositionFormat
        var gzip: Bool
    }

    private struct Entry {
        var version: UInt64
        var renderedAt: ContinuousClock.Instant
        var body: ByteBuffer
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// Renders under way, so that concurrent scrapes wait for one instead of starting their own.
        var renders: [Key: Task<Entry, any Error>] = [:]
    }

    private let state = Mutex(State())
    let freshFor: Duration
    let servedStaleFor: Duration

    init(freshFor: Duration = .seconds(1), servedStaleFor: Duration = .seconds(5)) {
        self.freshFor = freshFor
        self.servedStaleFor = servedStaleFor
    }

    /// The body for `key` at snapshot `version`; `render` makes the text of the snapshot as it is.
    func body(for key: Key, version: UInt64, render: @escaping @Sendable () -> String) async throws -> ByteBuffer {
        enum Action { case serve(ByteBuffer), wait(Task<Entry, any Error>) }
        let now = ContinuousClock.now
        let action: Action = state.withLock { state in
            if let entry = state.entries[key], entry.version == version {
                let age = now - entry.renderedAt
                if age < freshFor { return .serve(entry.body) }
                if age < servedStaleFor {
                    if state.renders[key] == nil { state.renders[key] = startRender(key, version: version, render: render) }
                    return .serve(entry.body)
                }
            }
            if let running = state.renders[key] { return .wait(running) }
            let task = startRender(key, version: version, render: render)
            state.renders[key] = task
            return .wait(task)
        }
        switch action {
        case .serve(let body): return body
        case .wait(let task): return try await task.value.body
        }
    }

    private func startRender(_ key: Key, version: UInt64, render: @escaping @Sendable () -> String) -> Task<Entry, any Error> {
        Task.detached { [self] in
            do {
                var buffer = ByteBuffer(string: render())
                if key.gzip {
                    buffer = try buffer.compress(with: .gzip(configuration: .init(compressionLevel: 1)))
                }
                let entry = Entry(version: version, renderedAt: .now, body: buffer)
                state.withLock { state in
                    state.entries[key] = entry
                    state.renders[key] = nil
                }
                return entry
            } catch {
                state.withLock { $0.renders[key] = nil }
                throw error
            }
        }
    }
}
