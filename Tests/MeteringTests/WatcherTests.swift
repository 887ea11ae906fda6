import DevCluster
import Dispatch
import Foundation
import Metering
import RBD
import Testing

/// Whether an image is in use: its watchers, as `rbd status` lists them.
@Suite("Watchers")
struct WatcherTests {
    /// The watchers `rbd status --format json` lists for an image.
    func statusWatchers(_ dev: DevCluster, _ spec: String) async throws -> Int {
        struct Status: Decodable {
            struct Watcher: Decodable { var address: String }
            var watchers: [Watcher]
        }
        return try JSONDecoder().decode(Status.self, from: Data(try await dev.rbd("status", "--format", "json", spec).utf8)).watchers.count
    }

    /// Polls `rbd status` until it lists `count` watchers: a watch is registered (and dropped) by the
    /// OSD holding the header, which the CLI asks, so no fixed delay is right on every machine.
    func waitForWatchers(_ dev: DevCluster, _ spec: String, count: Int, timeout: Duration = .seconds(60)) async throws {
        let listed = try await poll(seconds: timeout.inSeconds, every: .milliseconds(100)) { try await statusWatchers(dev, spec) == count }
        if !listed { Issue.record("rbd status never listed \(count) watchers of \(spec)") }
    }

    @Test("an image held open read-write by another client has a watcher, and none once it is closed; metering adds none")
    func readWriteOpenIsAWatcher() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("watch") { pool in
            try await dev.rbd("create", "--size", "64M", "\(pool)/held")
            try await dev.rbd("create", "--size", "64M", "--image-feature", "layering", "\(pool)/idle")
            try await dev.withConnection { cluster in
                let scanner = Metering.Scanner(cluster: cluster, options: ScanOptions(pools: [pool], fullRescanSeconds: 0))

                let before = await scanner.scanPool(pool)
                #expect(before.failure == nil)
                #expect(before.images.map(\.watchers) == [0, 0], "our read-only handles take no watch")
                #expect(try await statusWatchers(dev, "\(pool)/held") == 0)

                // Another RADOS client (a connection of its own, as a mapped device or VM would be) keeps
                // the image open read-write, which takes a watch on its header, until released.
                try await dev.withConnection { holder in
                    let context = try await holder.ioContext(pool: pool)
                    let release = DispatchSemaphore(value: 0)
                    let holding = Task {
                        try await context.withImage("held", readOnly: false) { _ in release.wait() }
                    }
                    do {
                        try await waitForWatchers(dev, "\(pool)/held", count: 1)
                        let during = await scanner.scanPool(pool)
                        let watchers = Dictionary(uniqueKeysWithValues: during.images.map { ($0.image, $0.watchers) })
                        #expect(watchers == ["held": 1, "idle": 0])
                        #expect(watchers["held"] == (try await statusWatchers(dev, "\(pool)/held")))
                    } catch {
                        release.signal()
                        throw error
                    }
                    release.signal()
                    try await holding.value

                    try await waitForWatchers(dev, "\(pool)/held", count: 0)
                    let after = await scanner.scanPool(pool)
                    #expect(after.images.map(\.watchers) == [0, 0])
                }
            }
        }
    }
}
