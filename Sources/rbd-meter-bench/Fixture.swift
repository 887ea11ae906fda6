import Foundation
import Metering
import RBD
import TestSupport

/// A pool of images the benchmark times.
struct Fixture: CustomStringConvertible {
    var pool: String
    var images: Int
    var sizeGiB: Int
    var features: String
    var description: String { "\(images) × \(sizeGiB) GiB \(features)" }

    /// The offsets of the three 4 KiB writes of scale image `index` (`vol-%05d`), always the same.
    static func scaleWrites(_ index: Int) -> [UInt64] {
        var random = SplitMix(seed: UInt64(index))
        return (0..<3).map { _ in (random.next() % ((1 << 30) / 4096)) * 4096 }
    }
}

extension Bench {
    /// Thin layering-only images, as the original article created them for the kernel client, each
    /// with `writes` 4 KiB writes at the same pseudo-random offsets within the first 64 GiB, so
    /// that a doubled size holds the same data.
    func thinFixture(pool: String, images: Int, sizeGiB: Int, writes: Int) async throws -> Fixture {
        let fixture = Fixture(pool: pool, images: images, sizeGiB: sizeGiB, features: "layering")
        let span = UInt64(min(sizeGiB, 64)) << 30
        try await createImages(in: pool, count: images, named: "thin-%03d", limit: 8) { context, name, index in
            try await context.createImage(name, size: UInt64(sizeGiB) << 30, options: ImageCreateOptions(features: [.layering]))
            try await context.withImage(name, readOnly: false) { image in
                var random = SplitMix(seed: UInt64(index))
                let block = [UInt8](repeating: 0xA5, count: 4096)
                for _ in 0..<writes {
                    try image.write(block, at: (random.next() % (span / 4096)) * 4096)
                }
            }
        }
        return fixture
    }

    /// Small images with the default features (fast-diff), a few with a little data.
    func fastFixture(pool: String, images: Int) async throws -> Fixture {
        try await createImages(in: pool, count: images, named: "fast-%04d", limit: 8) { context, name, index in
            try await context.createImage(name, size: 1 << 30)
            if index % 4 == 0 {
                try await context.withImage(name, readOnly: false) { image in
                    for block in 0..<16 { try image.write([UInt8](repeating: 1, count: 4096), at: UInt64(block) << 22) }
                }
            }
        }
        return Fixture(pool: pool, images: images, sizeGiB: 1, features: "default features")
    }

    /// Many 1 GiB images, each with three 4 KiB writes at seeded offsets: the scale at which an
    /// unchanged scan must cost what changed, not how many images exist.
    func scaleFixture(pool: String, images: Int, features: ImageFeatures?) async throws -> Fixture {
        var fixture = try await snapshotFixture(pool: pool, images: images, snapshots: 0, features: features)
        fixture.features = features == [.layering] ? "layering" : "default features"
        return fixture
    }

    /// Empty images with the default features, for the size of the snapshot `/metrics` renders.
    func manyImagesFixture(pool: String, images: Int) async throws -> Fixture {
        try await createImages(in: pool, count: images, named: "csi-vol-%05d", limit: 16) { context, name, _ in
            try await context.createImage(name, size: 10 << 30)
        }
        return Fixture(pool: pool, images: images, sizeGiB: 10, features: "default features")
    }

    /// Creates `pool` if it is missing, and runs `make` (which creates the image) for every
    /// index below `count` whose name (`format` of the index) the pool does not hold yet, `limit`
    /// at once: a fixture left by an earlier run is completed, not made again.
    func createImages(
        in pool: String, count: Int, named format: String, limit: Int,
        _ make: @escaping @Sendable (IOContext, String, Int) async throws -> Void
    ) async throws {
        try await createPool(pool)
        let context = try await cluster.ioContext(pool: pool)
        let existing = Set(try await context.images().map(\.name))
        try await forEachConcurrently(0..<count, limit: limit) { index in
            let name = String(format: format, index)
            guard !existing.contains(name) else { return }
            try await make(context, name, index)
        }
    }

    func createPool(_ name: String) async throws {
        do {
            try await cluster.createPool(name)
        } catch let error as RBDError where error.kind == .alreadyExists {
            return
        }
    }
}
