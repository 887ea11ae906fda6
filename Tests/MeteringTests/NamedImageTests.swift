import DevCluster
import Foundation
import Metering
import RBD
import Testing

/// Images asked for by name (`scan --image`, the REST API's allocation) and scans without the
/// namespace listing take the same direct paths as a scan that lists: found through their
/// `rbd_id.NAME` object, fast-diff images are measured from their object maps, unopened.
@Suite("Images by name measured without librbd")
struct NamedImageTests {
    @Test("by name: a fast-diff image with a snapshot from its maps, unopened; a layering-only one from the listing in a scan, through librbd alone; all as rbd du; a missing one is not found", arguments: UsageMode.allCases)
    func namedImagesTakeTheDirectPaths(mode: UsageMode) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("named") { pool in
            try await dev.rbd("create", "--size", "64M", "\(pool)/fast")
            try await dev.write("\(pool)/fast", ioSize: "4K", total: "256K")
            try await dev.rbd("snap", "create", "\(pool)/fast@one")
            try await dev.write("\(pool)/fast", ioSize: "4K", total: "128K")
            try await dev.rbd("create", "--size", "64M", "--image-feature", "layering", "\(pool)/plain")
            try await dev.write("\(pool)/plain", ioSize: "4K", total: "64K")
            try await dev.withConnection { cluster in
                let scanner = Metering.Scanner(cluster: cluster, options: ScanOptions(pools: [pool], mode: mode))
                let context = try await cluster.ioContext(pool: pool)
                let report = await scanner.scan(images: [ImageLocation(pool: pool, namespace: "", image: "fast"), ImageLocation(pool: pool, namespace: "", image: "plain")])
                for (image, scanned, alone) in [("fast", MeteringMethod.objectMap, MeteringMethod.objectMap), ("plain", .headerListing, .diff)] {
                    let total = try await dev.du("\(pool)/\(image)", exact: mode == .exact).reduce(0) { $0 + $1.used_size }
                    let usage = try #require(report.images.first { $0.image == image })
                    #expect(usage.method == scanned && !usage.opened, "\(image) in \(mode) mode: \(usage.method)")
                    #expect(usage.totalUsedBytes == total, "\(image) in \(mode) mode")
                    // One image alone lists nothing: the namespace may hold millions of objects.
                    let single = try await scanner.measure(image, in: context)
                    #expect(single.method == alone && single.opened == (alone == .diff), "\(image) alone in \(mode) mode: \(single.method)")
                    #expect(single.totalUsedBytes == total, "\(image) alone in \(mode) mode")
                }

                let missing = await scanner.scan(images: [ImageLocation(pool: pool, namespace: "", image: "nothing")])
                #expect(missing.pools.first?.imageFailures.first?.failure.reason == .notFound)
                let error = await #expect(throws: RBDError.self) { try await scanner.measure("nothing", in: context) }
                #expect(error?.kind == .notFound)
            }
        }
    }

    @Test("without the listing (scan.listing false) fast-diff images are still measured from their maps, unopened")
    func objectMapsWithoutListing() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("unlisted") { pool in
            try await dev.rbd("create", "--size", "64M", "\(pool)/fast")
            try await dev.write("\(pool)/fast", ioSize: "4K", total: "128K")
            try await dev.withConnection { cluster in
                let report = await Metering.Scanner(cluster: cluster, options: ScanOptions(pools: [pool], mode: .object, useListing: false)).scan()
                let usage = try #require(report.images.first)
                #expect(usage.method == .objectMap && !usage.opened, "\(usage.method)")
                #expect(usage.totalUsedBytes == (try await dev.du("\(pool)/fast", exact: false)).reduce(0) { $0 + $1.used_size })
            }
        }
    }
}
