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
        try await createPool(pool)
        let context = try await cluster.ioContext(pool: pool)
        let existing = Set(try await context.images().map(\.name))
        let span = UInt64(min(sizeGiB, 64)) << 30
        try await forEachConcurrently(0..<images, limit: 8) { index in
            let name = String(format: "thin-%03d", index)
            guard !existing.contains(name) else { return }
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
        try await createPool(pool)
        let context = try await cluster.ioContext(pool: pool)
        let existing = Set(try await context.images().map(\.name))
        try await forEachConcurrently(0..<images, limit: 8) { index in
            let name = String(format: "fast-%04d", index)
            guard !existing.contains(name) else { return }
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
        try await createPool(pool)
        let context = try await cluster.ioContext(pool: pool)
        let existing = Set(try await context.images().map(\.name))
        try await forEachConcurrently(0..<images, limit: 16) { index in
            let name = String(format: "csi-vol-%05d", index)
            guard !existing.contains(name) else { return }
            try await context.createImage(name, size: 10 << 30)
        }
        return Fixture(pool: pool, images: images, sizeGiB: 10, features: "default features")
    }

    func createPool(_ name: String) async throws {
        do {
            try await cluster.createPool(name)
        } catch let error as RBDError where error.kind == .alreadyExists {
            return
        }
    }
}
