import DevCluster
import Foundation
import Metering
import RBD
import Testing

/// Images with snapshots measured without librbd, from their object maps read directly (fast-diff)
/// or from the listing and their objects' clones (layering-only), row by row against `rbd du`;
/// where the direct reads cannot be trusted, librbd measures and the numbers still agree.
@Suite("Snapshots measured without librbd agree with rbd du")
struct SnapshotUsageTests {
    /// Checks `image` of `pool` in each mode: the rows computed by `path` equal `rbd du`'s
    /// (snapshots, then the head), and a scan measures it by that path with `rbd du`'s totals.
    /// - Parameter scanned: the method a scan uses, when it is not `path`.
    func expectAgreement(
        _ image: String, in pool: String, path: MeteringMethod = .objectMap, scanned: MeteringMethod? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withConnection { cluster in
            let context = try await cluster.ioContext(pool: pool)
            let spec = "\(pool)/\(image)"
            let id = try #require(try await context.images().first { $0.name == image }?.id, sourceLocation: sourceLocation)
            let header = try await context.readImageHeaders(imageIDs: [id])[0].get()
            for mode in UsageMode.allCases {
                let rows = try await dev.du(spec, exact: mode == .exact)
                // `rbd diff` of a clone counts the parent's data too; without snapshots, du's one row is the used bytes.
                let used = rows.count == 1 ? rows[0].used_size : try await dev.diffBytes(spec, wholeObject: mode == .object)
                let meter = ImageMeter(mode: mode)
                let direct = switch path {
                case .objectMap: try await meter.usageFromObjectMaps(header, in: context)
                case .listing: try await meter.usageFromClones(header, in: context, index: ObjectIndex(context: context))?.usage
                default:
                    if let maps = try await meter.usageFromObjectMaps(header, in: context) { maps } else {
                        try await meter.usageFromClones(header, in: context, index: ObjectIndex(context: context))?.usage
                    }
                }
                if path != .diff {
                    let usage = try #require(direct, "\(path) of \(spec)", sourceLocation: sourceLocation)
                    #expect(usage.rows == rows.map(\.used_size), "rows of \(spec) in \(mode) mode: \(rows.map { $0.snapshot ?? "head" })", sourceLocation: sourceLocation)
                    #expect(usage.used == used, "used of \(spec) in \(mode) mode", sourceLocation: sourceLocation)
                } else {
                    #expect(direct == nil, "\(spec) is for librbd to measure", sourceLocation: sourceLocation)
                }
                let report = await Metering.Scanner(cluster: cluster, options: ScanOptions(pools: [pool], mode: mode)).scan()
                let usage = try #require(report.images.first { $0.image == image }, sourceLocation: sourceLocation)
                #expect(usage.method == scanned ?? path, "\(spec) in \(mode) mode", sourceLocation: sourceLocation)
                #expect(usage.opened == (path == .diff), sourceLocation: sourceLocation)
                #expect(usage.snapshots == rows.count - 1, sourceLocation: sourceLocation)
                #expect(usage.totalUsedBytes == rows.reduce(0) { $0 + $1.used_size }, "total of \(spec) in \(mode) mode", sourceLocation: sourceLocation)
                #expect(usage.usedBytes == used, "used of \(spec) in \(mode) mode", sourceLocation: sourceLocation)
            }
        }
    }

    /// Writes `total` in 4 KiB pieces at random offsets.
    func scatter(_ spec: String, _ total: String) async throws {
        try await DevCluster.shared().write(spec, ioSize: "4K", total: total)
    }

    /// An image of `sizes[0]` filled, snapshotted (`@full`), shrunk to `sizes[1]` and snapshotted
    /// (`@small`), grown to `sizes[2]` and written, snapshotted (`@grown`) and written again.
    func makeResized(_ spec: String, sizes: [String], features: [String] = []) async throws {
        let dev = try await DevCluster.shared()
        try await dev.rbd(["create", "--size", sizes[0]] + features + [spec])
        try await dev.write(spec, ioSize: "1M", total: sizes[0], pattern: "seq")
        try await dev.rbd("snap", "create", "\(spec)@full")
        try await dev.rbd("resize", "--allow-shrink", "--size", sizes[1], spec)
        try await dev.rbd("snap", "create", "\(spec)@small")
        try await dev.rbd("resize", "--size", sizes[2], spec)
        try await dev.write(spec, ioSize: "4K", total: "512K")
        try await dev.rbd("snap", "create", "\(spec)@grown")
        try await scatter(spec, "256K")
    }

    /// A 64 MiB image filled and snapshotted (`@kept`), then discarded: whole objects 2-5 (kept only
    /// by the snapshot), object 8 cut at its middle, object 12 zeroed at its start.
    func makeDiscarded(_ image: String, in context: IOContext, features: [String] = []) async throws {
        let dev = try await DevCluster.shared()
        let spec = context.spec(image: image)
        try await dev.rbd(["create", "--size", "64M"] + features + [spec])
        try await dev.write(spec, ioSize: "1M", total: "64M", pattern: "seq")
        try await dev.rbd("snap", "create", "\(spec)@kept")
        try await context.withImage(image, readOnly: false) { image in
            try image.discard(at: 8 << 20, length: 16 << 20)
            try image.discard(at: (32 << 20) + (2 << 20), length: 2 << 20)
            try image.discard(at: 48 << 20, length: 1 << 20)
        }
    }

    @Test("chains of 1, 2 and 5 snapshots, with writes before, between and after, and a snapshot removed in the middle")
    func snapshotChains() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("maps") { pool in
            for (image, snapshots) in [("one", 1), ("two", 2), ("five", 5), ("removed", 3), ("unwritten", 2)] {
                let spec = "\(pool)/\(image)"
                try await dev.rbd("create", "--size", "256M", spec)
                for index in 1...snapshots {
                    if image != "unwritten" { try await scatter(spec, "\(index * 256)K") }
                    try await dev.rbd("snap", "create", "\(spec)@s\(index)")
                }
                if image != "unwritten" { try await scatter(spec, "512K") }
            }
            try await dev.rbd("snap", "rm", "\(pool)/removed@s2")
            for image in ["one", "two", "five", "removed", "unwritten"] {
                try await expectAgreement(image, in: pool)
            }
        }
    }

    @Test("an image shrunk and grown between snapshots, and one discarded after a snapshot")
    func resizesAndDiscards() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("maps") { pool in
            try await makeResized("\(pool)/shrunk", sizes: ["64M", "22M", "96M"])
            let grown = "\(pool)/grown"
            try await dev.rbd("create", "--size", "30M", grown)
            try await dev.write(grown, ioSize: "1M", total: "30M", pattern: "seq")
            try await dev.rbd("snap", "create", "\(grown)@before")
            try await dev.rbd("resize", "--size", "200M", grown)
            try await dev.write(grown, ioSize: "4K", total: "2M")
            try await dev.withConnection { cluster in
                let context = try await cluster.ioContext(pool: pool)
                try await makeDiscarded("discarded", in: context)
                try await dev.rbd("snap", "create", "\(pool)/discarded@after")
                try await context.withImage("discarded", readOnly: false) { image in
                    try image.discard(at: 0, length: 8 << 20)
                }
                for image in ["shrunk", "grown", "discarded"] {
                    try await expectAgreement(image, in: pool)
                }
            }
        }
    }

    @Test("a snapshot whose object map is flagged invalid is measured by librbd until the map is rebuilt")
    func invalidSnapshotMapFallsBack() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("maps") { pool in
            let spec = "\(pool)/flagged"
            try await dev.rbd("create", "--size", "128M", spec)
            try await scatter(spec, "1M")
            try await dev.rbd("snap", "create", "\(spec)@s1")
            try await scatter(spec, "512K")
            // Enabling fast-diff anew flags every map, the head's and the snapshot's, invalid.
            try await dev.rbd("feature", "disable", spec, "fast-diff")
            try await dev.rbd("feature", "enable", spec, "fast-diff")
            try await dev.rbd("object-map", "rebuild", spec)
            let info = try await dev.rbd("info", "\(spec)@s1")
            #expect(info.contains("fast diff invalid"), "the snapshot's map stays flagged: \(info)")
            try await expectAgreement("flagged", in: pool, path: .diff)
            try await dev.rbd("object-map", "rebuild", "\(spec)@s1")
            try await expectAgreement("flagged", in: pool)
        }
    }

    @Test("a snapshot moved to the trash by a clone of it does not count, and the clone goes through librbd")
    func trashSnapshotDoesNotCount() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("maps") { pool in
            let parent = "\(pool)/parent"
            try await dev.rbd("create", "--size", "128M", parent)
            try await scatter(parent, "1M")
            try await dev.rbd("snap", "create", "\(parent)@base")
            try await dev.rbd("clone", "--rbd-default-clone-format", "2", "\(parent)@base", "\(pool)/child")
            try await scatter(parent, "512K")
            try await dev.rbd("snap", "create", "\(parent)@later")
            try await scatter(parent, "256K")
            // The clone still needs the snapshot: removing it moves it to the trash namespace.
            try await dev.rbd("snap", "rm", "\(parent)@base")
            try await dev.withConnection { cluster in
                let context = try await cluster.ioContext(pool: pool)
                let id = try #require(try await context.images().first { $0.name == "parent" }?.id)
                let header = try await context.readImageHeaders(imageIDs: [id])[0].get()
                let snapshots = try await context.readObjectMaps(of: header).snapshots
                #expect(snapshots.map(\.info.namespace) == [.trash, .user])
                try await expectAgreement("parent", in: pool)
                try await expectAgreement("child", in: pool, path: .diff)
            }
        }
    }

    @Test("layering-only images with snapshots (removed, resized, discarded) are measured from the listing and their objects' clones")
    func layeringSnapshotsFromClones() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("clones") { pool in
            for (image, snapshots) in [("one", 1), ("three", 3), ("removed", 3)] {
                let spec = "\(pool)/\(image)"
                try await dev.rbd("create", "--size", "128M", "--image-feature", "layering", spec)
                for index in 1...snapshots {
                    try await scatter(spec, "\(index * 128)K")
                    try await dev.rbd("snap", "create", "\(spec)@s\(index)")
                }
                try await scatter(spec, "256K")
            }
            try await dev.rbd("snap", "rm", "\(pool)/removed@s2")
            try await makeResized("\(pool)/resized", sizes: ["40M", "14M", "64M"], features: ["--image-feature", "layering"])
            try await dev.withConnection { cluster in
                let context = try await cluster.ioContext(pool: pool)
                try await makeDiscarded("discarded", in: context, features: ["--image-feature", "layering"])
                // No snapshot now, but one once, in a pool that holds clones: the listing cannot tell its heads from clones.
                let unsnapped = "\(pool)/unsnapped"
                try await dev.rbd("create", "--size", "64M", "--image-feature", "layering", unsnapped)
                try await scatter(unsnapped, "256K")
                try await dev.rbd("snap", "create", "\(unsnapped)@gone")
                try await scatter(unsnapped, "256K")
                try await dev.rbd("snap", "rm", "\(unsnapped)@gone")
                // One that never had a snapshot holds only heads, and is counted from the listing alone.
                let plain = "\(pool)/plain"
                try await dev.rbd("create", "--size", "64M", "--image-feature", "layering", plain)
                try await scatter(plain, "256K")
                // The manager reports the clones some seconds later; until then the pool looks like one
                // without any, whose listing holds only heads, and "unsnapped" would be counted from it.
                let cloned = try await poll(seconds: 120) { try await context.poolStatistics().clones > 0 }
                try #require(cloned, "the pool statistics never counted the snapshot clones")
                for image in ["one", "three", "removed", "resized", "discarded", "unsnapped"] {
                    try await expectAgreement(image, in: pool, path: .listing)
                }
                try await expectAgreement("plain", in: pool, path: .listing, scanned: .headerListing)
            }
        }
    }
}
