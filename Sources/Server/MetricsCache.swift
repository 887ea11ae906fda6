import CompressNIO
import Exposition
import Foundation
import Metering
import NIOCore
import Synchronization

/// Finished `/metrics` bodies, kept for the snapshot version and the current second.
///
/// Rendering tens of thousands of images takes milliseconds; many scrapers (or Prometheus servers
/// in HA pairs) asking within the same second get the same bytes. Process metrics are at most a
/// second old that way, which no dashboard can tell.
final class MetricsCache: Sendable {
    struct Key: Hashable {
        var version: UInt64
        var second: Int64
        var format: ExpositionFormat
        var gzip: Bool
    }

    private let entries = Mutex<[Key: ByteBuffer]>([:])

    /// The body for `key`, made by `render` on a miss.
    func body(for key: Key, render: () -> String) throws -> ByteBuffer {
        if let hit = entries.withLock({ $0[key] }) { return hit }
        var buffer = ByteBuffer(string: render())
        if key.gzip {
            buffer = try buffer.compress(with: .gzip(configuration: .init(compressionLevel: 1)))
        }
        entries.withLock { entries in
            entries = entries.filter { $0.key.version == key.version && $0.key.second == key.second }
            entries[key] = buffer
        }
        return buffer
    }
}
