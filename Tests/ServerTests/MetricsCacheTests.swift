import Foundation
import NIOCore
@testable import Server
import Synchronization
import Testing

/// The `/metrics` body cache: fresh bodies served as they are, slightly old ones served while one
/// background render runs, old ones rendered again before answering, and never two renders at once.
@Suite("Metrics cache")
struct MetricsCacheTests {
    /// Counts renders; can overlap them (`holding`) or hold every render after the first until released.
    final class Renderer: Sendable {
        let renders = Atomic<Int>(0)
        let running = Atomic<Int>(0)
        let mostAtOnce = Atomic<Int>(0)
        let holding: Bool
        let gated: Bool
        let released = Atomic<Bool>(false)

        init(holding: Bool = false, gated: Bool = false) {
            self.holding = holding
            self.gated = gated
        }

        /// A render's text: its number.
        func render() -> String {
            let number = renders.add(1, ordering: .relaxed).newValue
            let now = running.add(1, ordering: .relaxed).newValue
            _ = mostAtOnce.max(now, ordering: .relaxed)
            if holding {
                // Renders run on their own task; a short spin is all a test needs to overlap them.
                let until = ContinuousClock.now + .milliseconds(300)
                while ContinuousClock.now < until {}
            }
            if gated && number > 1 {
                // Held until the test has seen what happens meanwhile; the wait is bounded so that a
                // broken test cannot hang the run.
                let until = ContinuousClock.now + .seconds(30)
                while !released.load(ordering: .acquiring) && ContinuousClock.now < until {
                    Thread.sleep(forTimeInterval: 0.001)
                }
            }
            running.subtract(1, ordering: .relaxed)
            return "render \(number)"
        }
    }

    static let key = MetricsCache.Key(format: .prometheus, gzip: false)

    func body(_ cache: MetricsCache, _ renderer: Renderer, version: UInt64 = 1) async throws -> String {
        String(buffer: try await cache.body(for: Self.key, version: version) { renderer.render() })
    }

    @Test("a body younger than the fresh time is served as it is")
    func freshBodyIsReused() async throws {
        let cache = MetricsCache(freshFor: .seconds(30), servedStaleFor: .seconds(60))
        let renderer = Renderer()
        #expect(try await body(cache, renderer) == "render 1")
        #expect(try await body(cache, renderer) == "render 1")
        #expect(renderer.renders.load(ordering: .relaxed) == 1)
    }

    @Test("a slightly old body is served at once while one background render makes the next")
    func staleBodyIsServedWhileRendering() async throws {
        let cache = MetricsCache(freshFor: .milliseconds(100), servedStaleFor: .seconds(60))
        let renderer = Renderer(gated: true)
        #expect(try await body(cache, renderer) == "render 1")
        try await Task.sleep(for: .milliseconds(150))
        #expect(try await body(cache, renderer) == "render 1", "the old body, without waiting")
        // The background render is held, so every scrape now finds it under way.
        try await waitUntil { renderer.renders.load(ordering: .relaxed) == 2 }
        for _ in 0..<5 {
            #expect(try await body(cache, renderer) == "render 1", "still the old body while the next renders")
        }
        #expect(renderer.renders.load(ordering: .relaxed) == 2, "one background render, not one per scrape")
        renderer.released.store(true, ordering: .releasing)
        try await waitUntil { try await body(cache, renderer) != "render 1" }
        #expect(try await body(cache, renderer) != "render 1", "the background render replaced it")
    }

    /// Polls `condition` until it holds; fails the test after ten seconds.
    func waitUntil(_ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while try await !condition() {
            try #require(ContinuousClock.now < deadline, "the awaited event did not happen within 10 s")
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test("a body older than the stale time, or of an earlier snapshot, is rendered again before answering")
    func oldBodyIsRenderedAgain() async throws {
        let cache = MetricsCache(freshFor: .milliseconds(50), servedStaleFor: .milliseconds(100))
        let renderer = Renderer()
        #expect(try await body(cache, renderer) == "render 1")
        try await Task.sleep(for: .milliseconds(150))
        #expect(try await body(cache, renderer) == "render 2")
        #expect(try await body(cache, renderer, version: 2) == "render 3", "a new snapshot is never answered with the old one")
    }

    @Test("scrapes arriving during a render wait for that render instead of starting their own")
    func oneRenderAtATime() async throws {
        let cache = MetricsCache(freshFor: .seconds(30), servedStaleFor: .seconds(60))
        let renderer = Renderer(holding: true)
        let bodies = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<10 { group.addTask { try await self.body(cache, renderer) } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(bodies == Array(repeating: "render 1", count: 10))
        #expect(renderer.renders.load(ordering: .relaxed) == 1)
        #expect(renderer.mostAtOnce.load(ordering: .relaxed) == 1)
    }
}
