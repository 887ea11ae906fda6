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
            try await dev.withConnection { cluster in
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
    }

    @Test("an image nobody watches whose header did not change is reused without an open; a watched one and every change are measured again, and both paths agree", arguments: UsageMode.allCases)
    func headerProbesSpareTheOpen(mode: UsageMode) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("probe") { pool in
            for name in ["a", "b", "c", "d", "e", "f"] {
                try await dev.rbd("create", "--size", "256M", "--image-feature", "layering", "\(pool)/\(name)")
                try await dev.write("\(pool)/\(name)", ioSize: "4K", total: "32K")
            }
            try await dev.rbd("snap", "create", "\(pool)/e@old")
            try await dev.withConnection { cluster in
                let context = try await cluster.ioContext(pool: pool)
                func scan(librbdOnly: Bool, previous: [String: ImageUsage] = [:]) async -> ScanReport {
                    await Metering.Scanner(cluster: cluster, options: ScanOptions(pools: [pool], mode: mode, reuseSettleSeconds: 0, librbdOnly: librbdOnly)).scan(previous: previous)
                }
                let first = await scan(librbdOnly: false)
                // None is opened: those without snapshots are measured from their header and the listing,
                // "e" from the listing and its objects' clones.
                let opened = { (report: ScanReport) in Set(report.images.filter(\.opened).map(\.image)) }
                #expect(first.succeeded && opened(first).isEmpty)
                #expect(first.images.allSatisfy { $0.headerVersion != nil }, "every measured image remembers its header version")
                let previous = Dictionary(uniqueKeysWithValues: first.images.map { ($0.spec, $0) })

                try await dev.rbd("resize", "--size", "512M", "\(pool)/b")
                try await dev.rbd("snap", "create", "\(pool)/c@new")
                try await dev.rbd("snap", "rm", "\(pool)/e@old")
                // A data write moves the modify timestamp once the update interval has passed since it
                // last moved; one second here instead of librbd's 60 so that the test need not wait.
                let d = try #require(previous["\(pool)/d"])
                _ = try await poll(seconds: 10, every: .milliseconds(100)) { Date().timeIntervalSince1970 >= d.modifyTimestamp + 1.5 }
                // 64 random blocks: that all of them fall into the at most 8 objects (or onto the 8 blocks)
                // written before has a chance of (1/8)^64.
                try await dev.rbd("bench", "--io-type", "write", "--io-size", "4K", "--io-total", "256K", "--io-pattern", "rand",
                                  "--rbd_mtime_update_interval", "1", "\(pool)/d")

                // A read-write handle on "a" watches its header during both scans, as a mapped device
                // would: whoever holds it may write without touching the header.
                let watch = try await Watch("a", in: context)
                let fast = await scan(librbdOnly: false, previous: previous)
                let slow = await scan(librbdOnly: true, previous: previous)
                try await watch.close()
                for report in [fast, slow] {
                    let images = Dictionary(uniqueKeysWithValues: report.images.map { ($0.image, $0) })
                    #expect(images.mapValues(\.reused) == ["a": false, "b": false, "c": false, "d": false, "e": false, "f": true])
                    #expect(images["a"]?.watchers == 1, "a watched image is measured again, with its watcher")
                    #expect(images["f"]?.measuredAt == previous["\(pool)/f"]?.measuredAt, "a reused number keeps the time it was measured")
                    #expect(images["b"]?.provisionedBytes == 512 << 20)
                    #expect(images["c"]?.snapshots == 1)
                    #expect(images["e"]?.snapshots == 0, "a removed snapshot shows at the next scan")
                    #expect(try #require(images["d"]).usedBytes > d.usedBytes, "a write after the settle time shows at the next scan")
                }
                #expect(opened(fast).isEmpty, "the changed images were measured unopened, the unchanged one reused")
                #expect(fast.pools.first?.opened == opened(fast).count)
                #expect(slow.pools.first?.opened == 6, "librbd_only opens every image")
                let numbers = { (report: ScanReport) in
                    report.images.map { [$0.provisionedBytes, $0.usedBytes, $0.totalUsedBytes, UInt64($0.snapshots), UInt64($0.watchers)] }
                }
                #expect(numbers(fast) == numbers(slow), "the fast path and librbd agree")
            }
        }
    }

    @Test("writes that never touch the header (krbd: a watched image, raw RADOS writes making a new object and growing another) show in the next scan; an unchanged image nobody watches stays reused and unopened", arguments: UsageMode.allCases)
    func writesWithoutHeaderChangesShow(mode: UsageMode) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("krbd") { pool in
            for name in ["mapped", "idle"] {
                try await dev.rbd("create", "--size", "256M", "--image-feature", "layering", "\(pool)/\(name)")
                try await dev.write("\(pool)/\(name)", ioSize: "4K", total: "32K")
            }
            try await dev.withConnection { cluster in
                let context = try await cluster.ioContext(pool: pool)
                func scan(_ previous: [String: ImageUsage]) async -> ScanReport {
                    await Metering.Scanner(cluster: cluster, options: ScanOptions(pools: [pool], mode: mode, reuseSettleSeconds: 0)).scan(previous: previous)
                }
                // Held as the kernel client holds a mapped image: a watch on the header, nothing more.
                let watch = try await Watch("mapped", in: context)
                let first = await scan([:])
                try #require(first.succeeded)
                let previous = Dictionary(uniqueKeysWithValues: first.images.map { ($0.spec, $0) })
                let before = try #require(previous["\(pool)/mapped"])

                // What krbd sends: writes to the data objects (rbd_data.ID.%016x), the header untouched.
                let prefix = "rbd_data.\(before.id)."
                let objects = try await dev.rados(pool, "ls").split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
                let grown = try #require(objects.first)
                // "POOL/OBJECT mtime ..., size N"
                let stat = try await dev.rados(pool, "stat", grown).trimmingCharacters(in: .whitespacesAndNewlines)
                let length = try #require(stat.split(separator: " ").last.flatMap { Int($0) }, "\(stat)")
                let fresh = try #require((0..<64).map { prefix + String(format: "%016llx", $0) }.first { !objects.contains($0) })
                try await TemporaryFolder.with("rbd-meter-krbd") { folder in
                    let block = folder.appendingPathComponent("block").path
                    try Data(repeating: 0xAB, count: 4096).write(to: URL(fileURLWithPath: block))
                    try await dev.rados(pool, "put", grown, block, "--offset", "\(length)")
                    try await dev.rados(pool, "put", fresh, block)
                }

                let second = await scan(previous)
                try await watch.close()
                let images = Dictionary(uniqueKeysWithValues: second.images.map { ($0.image, $0) })
                #expect(images["idle"]?.reused == true && images["idle"]?.opened == false, "the idle image costs no measurement")
                let mapped = try #require(images["mapped"])
                #expect(!mapped.reused)
                #expect(mapped.usedBytes > before.usedBytes, "the writes show in the next scan")
                let changed = try #require(mapped.changedAt), previouslyChanged = try #require(before.changedAt)
                #expect(changed > previouslyChanged, "the change is dated from the data")
                #expect(images["idle"]?.changedAt == previous["\(pool)/idle"]?.changedAt)
                let du = try #require(try await dev.du("\(pool)/mapped", exact: mode == .exact).first)
                #expect(mapped.usedBytes == du.used_size, "and agree with rbd du")
            }
        }
    }

    @Test("a librbd writer that never moves the modify timestamp (rbd_mtime_update_interval 0) and holds the image open shows in the next scan, layering-only and fast-diff; its header untouched, an idle image beside it stays reused",
          arguments: UsageMode.allCases, ["layering", "layering,exclusive-lock,object-map,fast-diff"])
    func writerWithoutTimestampShows(mode: UsageMode, features: String) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("mtime0") { pool in
            for name in ["open", "idle"] {
                try await dev.rbd("create", "--size", "256M", "--image-feature", features, "\(pool)/\(name)")
            }
            // "open" gets only the writer's writes, so that the object written last is known to be new.
            try await dev.write("\(pool)/idle", ioSize: "4K", total: "32K")
            // librbd reads `conf_`-prefixed image metadata as configuration at open.
            try await dev.rbd("image-meta", "set", "\(pool)/open", "conf_rbd_mtime_update_interval", "0")
            try await dev.withConnection { cluster in
                let context = try await cluster.ioContext(pool: pool)
                func scan(_ previous: [String: ImageUsage]) async -> ScanReport {
                    await Metering.Scanner(cluster: cluster, options: ScanOptions(pools: [pool], mode: mode, reuseSettleSeconds: 0)).scan(previous: previous)
                }
                let writer = try await Watch("open", in: context)
                let block = [UInt8](repeating: 0xCD, count: 4096)
                // The first write takes the exclusive lock (a header write), before the first scan.
                try await writer.write(block, at: 0)
                let first = await scan([:])
                try #require(first.succeeded)
                let previous = Dictionary(uniqueKeysWithValues: first.images.map { ($0.spec, $0) })
                let before = try #require(previous["\(pool)/open"])

                // More bytes in the object written first, and a new object.
                try await writer.write(block, at: 64 << 10)
                try await writer.write(block, at: 200 << 20)
                let second = await scan(previous)
                try await writer.close()
                let images = Dictionary(uniqueKeysWithValues: second.images.map { ($0.image, $0) })
                #expect(images["idle"]?.reused == true && images["idle"]?.opened == false, "the idle image costs no measurement")
                let open = try #require(images["open"])
                #expect(open.headerVersion == before.headerVersion, "the writes left the header alone, as the case requires")
                #expect(!open.reused)
                #expect(open.usedBytes > before.usedBytes, "the writes show in the next scan")
                let du = try #require(try await dev.du("\(pool)/open", exact: mode == .exact).first)
                #expect(open.usedBytes == du.used_size, "and agree with rbd du")
            }
        }
    }

    @Test("shards split a pool's images between them without overlap")
    func shardsPartitionImages() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("shard") { pool in
            try await dev.withConnection { cluster in
                let context = try await cluster.ioContext(pool: pool)
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

    @Test("numbers counted from a namespace listing are dated from when the listing started, not from the image's turn", arguments: UsageMode.allCases)
    func listingDatesTheMeasurement(mode: UsageMode) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("listed") { pool in
            for image in ["a", "b"] {
                try await dev.rbd("create", "--size", "64M", "--image-feature", "layering", "\(pool)/\(image)")
                try await dev.write("\(pool)/\(image)", ioSize: "4K", total: "16K")
            }
            try await dev.rbd("snap", "create", "\(pool)/b@one")
            try await dev.withConnection { cluster in
                let context = try await cluster.ioContext(pool: pool)
                let ids = Dictionary(uniqueKeysWithValues: try await context.images().map { ($0.name, $0.id) })
                let id = try #require(ids["a"])
                let index = ObjectIndex(context: context)
                let listing = try await index.get()
                let probe = try #require(try await context.probeHeaders(imageIDs: [id]).first?.get())
                let header = try #require(try await context.readImageHeaders(imageIDs: [id]).first?.get())
                let meter = ImageMeter(mode: mode)
                // From the header and the listing, unopened; and through librbd, with the listing's objects.
                let unopened = try await meter.measure("a", id: id, in: context, index: index, header: probe, imageHeader: header)
                let opened = try await meter.measure("a", id: id, in: context, index: index)
                // With a snapshot, from the listing and the objects' clones, unopened.
                let snapshotted = try #require(ids["b"])
                let cloned = try await meter.measure(
                    "b", id: snapshotted, in: context, index: index, header: try #require(try await context.probeHeaders(imageIDs: [snapshotted]).first?.get()),
                    imageHeader: try #require(try await context.readImageHeaders(imageIDs: [snapshotted]).first?.get()))
                #expect(unopened.method == .headerListing && !unopened.opened)
                #expect(cloned.method == .listing && !cloned.opened)
                // librbd counts the listed objects in object mode, and diffs them in exact mode.
                #expect(opened.method == (mode == .object ? .listing : .diff) && opened.opened)
                #expect(unopened.measuredAt <= listing.startedAt)
                #expect(cloned.measuredAt <= listing.startedAt)
                #expect(opened.measuredAt <= listing.startedAt)
            }
        }
    }
}
