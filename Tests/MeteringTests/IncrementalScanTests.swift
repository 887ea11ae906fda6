import DevCluster
import Foundation
import Metering
import RBD
import Testing

/// Incremental scans and sharding against the dev cluster.
@Suite("Incremental scans and shards")
struct IncrementalScanTests {
    @Test("unchanged images are reused, a resized or newly snapshotted one is measured again, and recent writes are never trusted to the timestamp")
    func reuseFollowsSizeSnapshotsAndTimestamp() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("reuse") { pool in
            for name in ["a", "b", "c"] {
                try await dev.rbd("create", "--size", "256M", "--image-feature", "layering", "\(pool)/\(name)")
                try await dev.write("\(pool)/\(name)", ioSize: "4K", total: "32K")
            }
            let cluster = try await dev.connect()
            let first = await Metering.Scanner(cluster: cluster, options: ScanOptions(pools: [pool], reuseSettleSeconds: 0)).scan()
            #expect(first.pools.first?.reused == 0)
            let previous = Dictionary(uniqueKeysWithValues: first.images.map { ($0.spec, $0) })

            // The images were just written: librbd may not have moved their timestamps yet.
            let cautious = await Metering.Scanner(cluster: cluster, options: ScanOptions(pools: [pool], reuseSettleSeconds: 120)).scan(previous: previous)
            #expect(cautious.pools.first?.reused == 0)

            try await dev.rbd("resize", "--size", "512M", "\(pool)/b")
            try await dev.rbd("snap", "create", "\(pool)/c@new")
            let second = await Metering.Scanner(cluster: cluster, options: ScanOptions(pools: [pool], reuseSettleSeconds: 0)).scan(previous: previous)
            let reused = Dictionary(uniqueKeysWithValues: second.images.map { ($0.image, $0.reused) })
            #expect(reused == ["a": true, "b": false, "c": false])
            #expect(second.pools.first?.reused == 1)
            let a = try #require(second.images.first { $0.image == "a" })
            #expect(a.usedBytes == previous["\(pool)/a"]?.usedBytes)
            #expect(a.measuredAt == previous["\(pool)/a"]?.measuredAt, "a reused number keeps the time it was measured")
            #expect(second.images.first { $0.image == "b" }?.provisionedBytes == 512 << 20)
        }
    }

    @Test("shards split a pool's images between them without overlap")
    func shardsPartitionImages() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("shard") { pool in
            let context = try await dev.connect().ioContext(pool: pool)
            for index in 0..<12 { try await context.createImage("img-\(index)", size: 1 << 20) }
            let cluster = context.cluster
            var seen: [String] = []
            for index in 0..<3 {
                let report = await Metering.Scanner(cluster: cluster, options: ScanOptions(pools: [pool], shard: Shard(index: index, count: 3))).scan()
                #expect(report.succeeded)
                seen += report.images.map(\.image)
            }
            #expect(seen.sorted() == (0..<12).map { "img-\($0)" }.sorted())
            #expect(Shard(spec: "2/3") == Shard(index: 2, count: 3))
            #expect(Shard(spec: "3/3") == nil)
        }
    }
}
