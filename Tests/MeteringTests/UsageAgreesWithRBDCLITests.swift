import DevCluster
import Foundation
import Metering
import RBD
import Testing

/// Every image shape the foundation issue names, built with the rbd CLI and measured in both modes;
/// the numbers must equal what `rbd du` and `rbd diff` report.
@Suite("Usage agrees with the rbd CLI")
struct UsageAgreesWithRBDCLITests {
    /// Measures `image` in `pool` with a fresh connection.
    func measure(_ pool: String, _ image: String, namespace: String = "", mode: UsageMode, objectsPerRange: UInt64 = 1024, listing: Bool = false) async throws -> ImageUsage {
        let dev = try await DevCluster.shared()
        return try await dev.withConnection { cluster in
            let context = try await cluster.ioContext(pool: pool, namespace: namespace)
            let index = listing ? ObjectIndex(context: context) : nil
            return try await ImageMeter(mode: mode, objectsPerRange: objectsPerRange).measure(image, in: context, index: index)
        }
    }

    /// Compares with `rbd du` (total, and used when there are no snapshots) and `rbd diff` (used, from
    /// the image's creation, when there are snapshots).
    func expectAgreement(_ usage: ImageUsage, spec: String, mode: UsageMode) async throws {
        let dev = try await DevCluster.shared()
        let exact = mode == .exact
        let merged = try #require(try await dev.du(spec, exact: exact, mergeSnapshots: true).first)
        #expect(usage.provisionedBytes == merged.provisioned_size, "provisioned of \(spec)")
        #expect(usage.totalUsedBytes == merged.used_size, "total used of \(spec) in \(mode) mode")
        #expect(usage.id == merged.id)
        let rows = try await dev.du(spec, exact: exact)
        #expect(usage.snapshots == rows.count - 1, "snapshots of \(spec)")
        if usage.snapshots == 0 {
            #expect(usage.usedBytes == rows.last?.used_size, "used of \(spec) in \(mode) mode")
        } else {
            #expect(usage.usedBytes == (try await dev.diffBytes(spec, wholeObject: !exact)), "used of \(spec) in \(mode) mode")
        }
    }

    @Test("an image with default features is measured from its object map", arguments: UsageMode.allCases)
    func defaultFeaturesUseObjectMap(mode: UsageMode) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool { pool in
            try await dev.rbd("create", "--size", "1G", "\(pool)/volume")
            try await dev.write("\(pool)/volume", ioSize: "4K", total: "1M")
            try await dev.write("\(pool)/volume", ioSize: "64K", total: "8M", pattern: "seq")
            let usage = try await measure(pool, "volume", mode: mode)
            #expect(usage.method == .diff, "librbd measures an image whose header it was not given")
            #expect(usage.usedBytes > 0)
            try await expectAgreement(usage, spec: "\(pool)/volume", mode: mode)
        }
    }

    @Test("a layering-only image is measured by diff or from the listing, whole or split among workers", arguments: UsageMode.allCases, [1024, 7] as [UInt64])
    func layeringOnlyUsesDiffOrListing(mode: UsageMode, objectsPerRange: UInt64) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool { pool in
            try await dev.rbd("create", "--size", "1G", "--image-feature", "layering", "\(pool)/kernel")
            try await dev.write("\(pool)/kernel", ioSize: "4K", total: "512K")
            for listing in [false, true] {
                let usage = try await measure(pool, "kernel", mode: mode, objectsPerRange: objectsPerRange, listing: listing)
                // librbd counts the listed objects in object mode, and diffs them in exact mode.
                #expect(usage.method == (listing && mode == .object ? .listing : .diff))
                #expect(usage.features == [.layering])
                try await expectAgreement(usage, spec: "\(pool)/kernel", mode: mode)
            }
        }
    }

    @Test("an empty image uses nothing", arguments: UsageMode.allCases)
    func emptyImageUsesNothing(mode: UsageMode) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool { pool in
            try await dev.rbd("create", "--size", "100G", "\(pool)/empty")
            try await dev.rbd("create", "--size", "10G", "--image-feature", "layering", "\(pool)/empty-kernel")
            for (image, listing) in [("empty", false), ("empty-kernel", false), ("empty-kernel", true)] {
                let usage = try await measure(pool, image, mode: mode, objectsPerRange: 512, listing: listing)
                #expect(usage.usedBytes == 0)
                #expect(usage.totalUsedBytes == 0)
                try await expectAgreement(usage, spec: "\(pool)/\(image)", mode: mode)
            }
        }
    }

    @Test("snapshots add what changed after them; used counts from creation", arguments: UsageMode.allCases, ["default", "layering"])
    func snapshotsAndLaterWrites(mode: UsageMode, features: String) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool { pool in
            let spec = "\(pool)/snapped"
            if features == "default" {
                try await dev.rbd("create", "--size", "512M", spec)
            } else {
                try await dev.rbd("create", "--size", "512M", "--image-feature", features, spec)
            }
            try await dev.write(spec, ioSize: "1M", total: "24M", pattern: "seq")
            try await dev.rbd("snap", "create", "\(spec)@first")
            try await dev.write(spec, ioSize: "16K", total: "2M")
            try await dev.rbd("resize", "--size", "768M", spec)
            try await dev.rbd("snap", "create", "\(spec)@second")
            try await dev.write(spec, ioSize: "256K", total: "8M")
            // Shrinking below the first writes deletes head objects that the snapshots still hold.
            try await dev.rbd("resize", "--size", "16M", "--allow-shrink", spec)
            for objectsPerRange: UInt64 in [1024, 5] {
                for listing in [false, true] {
                    let usage = try await measure(pool, "snapped", mode: mode, objectsPerRange: objectsPerRange, listing: listing)
                    #expect(usage.snapshots == 2)
                    #expect(usage.totalUsedBytes > usage.usedBytes)
                    #expect(usage.method == .diff, "librbd measures an image with snapshots whose header it was not given")
                    try await expectAgreement(usage, spec: spec, mode: mode)
                }
            }
        }
    }

    @Test("a clone counts its own writes, not its parent's data", arguments: UsageMode.allCases)
    func cloneExcludesParentData(mode: UsageMode) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool { pool in
            try await dev.rbd("create", "--size", "256M", "\(pool)/golden")
            try await dev.write("\(pool)/golden", ioSize: "1M", total: "64M", pattern: "seq")
            try await dev.rbd("snap", "create", "\(pool)/golden@base")
            try await dev.rbd("snap", "protect", "\(pool)/golden@base")
            try await dev.rbd("clone", "\(pool)/golden@base", "\(pool)/child")
            try await dev.write("\(pool)/child", ioSize: "4K", total: "64K")
            try await dev.rbd("clone", "--image-feature", "layering", "\(pool)/golden@base", "\(pool)/kernel-child")
            try await dev.write("\(pool)/kernel-child", ioSize: "4K", total: "64K")
            for (child, listing) in [("child", false), ("kernel-child", false), ("kernel-child", true)] {
                let usage = try await measure(pool, child, mode: mode, listing: listing)
                #expect(usage.parent == "\(pool)/golden@base")
                // What the clone shares with its parent: rbd info's overlap (the whole 256 MiB here).
                let info = try JSONSerialization.jsonObject(with: Data(try await dev.rbd("info", "--format", "json", "\(pool)/\(child)").utf8)) as? [String: Any]
                let overlap = try #require((info?["parent"] as? [String: Any])?["overlap"] as? NSNumber)
                #expect(usage.parentOverlapBytes == overlap.uint64Value)
                #expect(usage.parentOverlapBytes == 256 << 20)
                let withParent = try await dev.diffBytes("\(pool)/\(child)", wholeObject: mode == .object)
                #expect(usage.usedBytes < withParent, "rbd diff includes the parent; used must not")
                try await expectAgreement(usage, spec: "\(pool)/\(child)", mode: mode)
            }
        }
    }

    @Test("an image in a namespace is found and measured", arguments: UsageMode.allCases)
    func imageInNamespace(mode: UsageMode) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool { pool in
            try await dev.rbd("namespace", "create", "--pool", pool, "--namespace", "tenant")
            try await dev.rbd("create", "--size", "1G", "\(pool)/tenant/volume")
            try await dev.write("\(pool)/tenant/volume", ioSize: "8K", total: "256K")
            try await dev.rbd("create", "--size", "1G", "--image-feature", "layering", "\(pool)/tenant/kernel")
            try await dev.write("\(pool)/tenant/kernel", ioSize: "8K", total: "256K")
            for (image, listing) in [("volume", false), ("kernel", false), ("kernel", true)] {
                let usage = try await measure(pool, image, namespace: "tenant", mode: mode, listing: listing)
                #expect(usage.namespace == "tenant")
                try await expectAgreement(usage, spec: "\(pool)/tenant/\(image)", mode: mode)
            }
        }
    }

    @Test("a non-default object size and a striped layout are counted right", arguments: UsageMode.allCases)
    func objectSizeAndStriping(mode: UsageMode) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool { pool in
            try await dev.rbd("create", "--size", "1G", "--object-size", "1M", "\(pool)/small-objects")
            try await dev.write("\(pool)/small-objects", ioSize: "4K", total: "512K")
            try await dev.rbd("create", "--size", "1G", "--stripe-unit", "64K", "--stripe-count", "4", "\(pool)/striped")
            try await dev.write("\(pool)/striped", ioSize: "16K", total: "1M")
            try await dev.rbd("create", "--size", "1G", "--stripe-unit", "64K", "--stripe-count", "4", "--image-feature", "layering,striping", "\(pool)/striped-kernel")
            try await dev.write("\(pool)/striped-kernel", ioSize: "16K", total: "1M")
            try await dev.rbd("create", "--size", "1G", "--object-size", "1M", "--image-feature", "layering", "\(pool)/small-objects-kernel")
            try await dev.write("\(pool)/small-objects-kernel", ioSize: "4K", total: "512K")
            for image in ["small-objects", "small-objects-kernel", "striped", "striped-kernel"] {
                for objectsPerRange: UInt64 in [1024, 3] {
                    for listing in [false, true] {
                        let usage = try await measure(pool, image, mode: mode, objectsPerRange: objectsPerRange, listing: listing)
                        if image == "striped-kernel" { #expect(usage.method == .diff, "fancy striping falls back to the diff") }
                        if image == "small-objects-kernel" && listing { #expect(usage.method == (mode == .object ? .listing : .diff)) }
                        try await expectAgreement(usage, spec: "\(pool)/\(image)", mode: mode)
                    }
                }
            }
        }
    }

    @Test("names with quotes, backslashes and non-ASCII characters work", arguments: UsageMode.allCases)
    func awkwardImageNames(mode: UsageMode) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool { pool in
            let name = #"pvc-"quoted"\back\slash-ünïcødé-名前"#
            try await dev.rbd("create", "--size", "64M", "--image-feature", "layering", "\(pool)/\(name)")
            try await dev.write("\(pool)/\(name)", ioSize: "4K", total: "64K")
            for listing in [false, true] {
                let usage = try await measure(pool, name, mode: mode, listing: listing)
                #expect(usage.image == name)
                try await expectAgreement(usage, spec: "\(pool)/\(name)", mode: mode)
            }
        }
    }

    @Test("a scan covers every namespace of two pools and agrees with rbd du -p", arguments: UsageMode.allCases)
    func scanOfTwoPools(mode: UsageMode) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("first") { first in
            try await dev.withPool("second") { second in
                try await dev.rbd("create", "--size", "1G", "\(first)/a")
                try await dev.write("\(first)/a", ioSize: "4K", total: "128K")
                try await dev.rbd("create", "--size", "2G", "--image-feature", "layering", "\(first)/b")
                try await dev.write("\(first)/b", ioSize: "4K", total: "128K")
                try await dev.rbd("namespace", "create", "--pool", second, "--namespace", "ns1")
                try await dev.rbd("create", "--size", "1G", "\(second)/c")
                try await dev.rbd("create", "--size", "1G", "\(second)/ns1/d")
                try await dev.write("\(second)/ns1/d", ioSize: "64K", total: "1M")
                try await dev.withConnection { cluster in
                    let report = await Scanner(cluster: cluster, options: ScanOptions(pools: [first, second], mode: mode, concurrency: 3)).scan()
                    #expect(report.succeeded)
                    #expect(report.images.map(\.spec).sorted() == ["\(first)/a", "\(first)/b", "\(second)/c", "\(second)/ns1/d"].sorted())
                    for usage in report.images {
                        try await expectAgreement(usage, spec: usage.spec, mode: mode)
                    }
                    #expect(report.pools.first { $0.pool == second }?.namespaces == ["", "ns1"])
                }
            }
        }
    }

    @Test("without librbd: images without snapshots are counted from header and listing as rbd du counts them; the others go through librbd", arguments: UsageMode.allCases)
    func measuredFromHeaders(mode: UsageMode) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("headers") { pool in
            try await dev.withPool("headers-data") { dataPool in
                try await dev.rbd("namespace", "create", "\(pool)/team")
                let shapes: [(name: String, create: [String], fromHeader: Bool)] = [
                    ("fast-diff", [], true),
                    ("layering", ["--image-feature", "layering"], true),
                    ("small-objects", ["--object-size", "1M"], true),
                    ("team/in-namespace", [], true),
                    ("shrunk", [], true),
                    ("snapped", [], false),
                    ("striped", ["--stripe-unit", "64K", "--stripe-count", "2"], false),
                    ("separate-data", ["--data-pool", dataPool], false),
                ]
                for shape in shapes {
                    try await dev.rbd(["create", "--size", "256M"] + shape.create + ["\(pool)/\(shape.name)"])
                    try await dev.write("\(pool)/\(shape.name)", ioSize: "4K", total: "64K")
                    try await dev.write("\(pool)/\(shape.name)", ioSize: "64K", total: "4M", pattern: "seq")
                }
                // Shrinking cuts the last object; snapshots without writes after them leave no clones,
                // so that the pool stays one the listing can count.
                try await dev.rbd("resize", "--allow-shrink", "--size", "2500K", "\(pool)/shrunk")
                try await dev.rbd("snap", "create", "\(pool)/snapped@one")
                try await dev.rbd("snap", "protect", "\(pool)/snapped@one")
                try await dev.rbd("clone", "\(pool)/snapped@one", "\(pool)/clone")
                try await dev.write("\(pool)/clone", ioSize: "4K", total: "16K")

                try await dev.withConnection { cluster in
                    let fast = await Scanner(cluster: cluster, options: ScanOptions(pools: [pool], mode: mode)).scan()
                    let librbd = await Scanner(cluster: cluster, options: ScanOptions(pools: [pool], mode: mode, librbdOnly: true)).scan()
                    #expect(fast.succeeded && librbd.succeeded)
                    let methods = Dictionary(uniqueKeysWithValues: fast.images.map { ($0.namespace.isEmpty ? $0.image : "\($0.namespace)/\($0.image)", $0.method) })
                    for shape in shapes {
                        #expect((methods[shape.name] == .headerListing) == shape.fromHeader, "\(shape.name) measured by \(String(describing: methods[shape.name]))")
                    }
                    #expect(methods["clone"] != .headerListing, "a clone goes through librbd")
                    #expect(fast.images.filter { $0.method == .headerListing }.allSatisfy { !$0.opened && $0.headerVersion != nil })
                    let numbers = { (report: ScanReport) in
                        report.images.map { [$0.provisionedBytes, $0.usedBytes, $0.totalUsedBytes, UInt64($0.snapshots), UInt64($0.objectSize)] }
                    }
                    #expect(numbers(fast) == numbers(librbd), "header reads and librbd agree")
                    #expect(fast.images.map(\.kubernetes) == librbd.images.map(\.kubernetes))
                    for usage in fast.images {
                        try await expectAgreement(usage, spec: usage.spec, mode: mode)
                    }
                }
            }
        }
    }
    @Test("an image that never had a snapshot is counted from header and listing though others' snapshots left clones in the pool; one whose snapshot was removed is not", arguments: UsageMode.allCases)
    func neverSnapshottedAmongClones(mode: UsageMode) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("clones") { pool in
            for name in ["plain", "snapped", "unsnapped"] {
                try await dev.rbd("create", "--size", "64M", "\(pool)/\(name)")
                try await dev.write("\(pool)/\(name)", ioSize: "64K", total: "2M", pattern: "seq")
            }
            for name in ["snapped", "unsnapped"] {
                try await dev.rbd("snap", "create", "\(pool)/\(name)@before")
                // Writing over data a snapshot holds makes the OSD clone those objects.
                try await dev.write("\(pool)/\(name)", ioSize: "64K", total: "1M", pattern: "seq")
            }
            try await dev.rbd("snap", "rm", "\(pool)/unsnapped@before")

            try await dev.withConnection { cluster in
                let context = try await cluster.ioContext(pool: pool)
                // The manager reports the clones some seconds later; until then the pool looks like one
                // without any, where every image may be counted from the listing, and the test would
                // prove nothing.
                let cloned = try await poll(seconds: 120) { try await context.poolStatistics().clones > 0 }
                try #require(cloned, "the pool statistics never counted the snapshot clones")

                let fast = await Scanner(cluster: cluster, options: ScanOptions(pools: [pool], mode: mode)).scan()
                let librbd = await Scanner(cluster: cluster, options: ScanOptions(pools: [pool], mode: mode, librbdOnly: true)).scan()
                #expect(fast.succeeded && librbd.succeeded)
                let methods = Dictionary(uniqueKeysWithValues: fast.images.map { ($0.image, $0.method) })
                #expect(methods["plain"] == .headerListing, "plain measured by \(String(describing: methods["plain"]))")
                #expect(methods["snapped"] != .headerListing)
                #expect(methods["unsnapped"] != .headerListing, "its objects may still be clones the trimmer has not removed")
                #expect(fast.images.map(\.usedBytes) == librbd.images.map(\.usedBytes))
                for usage in fast.images {
                    try await expectAgreement(usage, spec: usage.spec, mode: mode)
                }
            }
        }
    }
}
