import Foundation
import RBD

/// What Ceph reports of a pool in `ceph df detail`: stored bytes and its quota.
public struct PoolCapacity: Sendable, Equatable, Codable {
    /// Logical bytes stored, as `ceph df` shows under STORED.
    public var storedBytes: UInt64
    /// Raw bytes used on the OSDs, replicas included.
    public var usedBytes: UInt64
    public var objects: UInt64
    /// Bytes that can still be written before the fullest OSD fills.
    public var maxAvailableBytes: UInt64
    /// The pool quota (`ceph osd pool set-quota`), 0 when none is set.
    public var quotaBytes: UInt64
    public var quotaObjects: UInt64

    public init(storedBytes: UInt64, usedBytes: UInt64, objects: UInt64, maxAvailableBytes: UInt64, quotaBytes: UInt64, quotaObjects: UInt64) {
        self.storedBytes = storedBytes
        self.usedBytes = usedBytes
        self.objects = objects
        self.maxAvailableBytes = maxAvailableBytes
        self.quotaBytes = quotaBytes
        self.quotaObjects = quotaObjects
    }

    /// Parses the JSON output of `ceph df detail --format json`, keyed by pool name.
    /// Pools without statistics (no manager running yet) are left out.
    public static func parse(dfDetail json: String) throws -> [String: PoolCapacity] {
        struct Output: Decodable {
            struct Pool: Decodable {
                struct Stats: Decodable {
                    var stored: UInt64?
                    var bytes_used: UInt64?
                    var objects: UInt64?
                    var max_avail: UInt64?
                    var quota_bytes: UInt64?
                    var quota_objects: UInt64?
                }
                var name: String
                var stats: Stats?
            }
            var pools: [Pool]
        }
        let output = try JSONDecoder().decode(Output.self, from: Data(json.utf8))
        var capacities: [String: PoolCapacity] = [:]
        for pool in output.pools {
            guard let stats = pool.stats, let stored = stats.stored else { continue }
            capacities[pool.name] = PoolCapacity(
                storedBytes: stored,
                usedBytes: stats.bytes_used ?? 0,
                objects: stats.objects ?? 0,
                maxAvailableBytes: stats.max_avail ?? 0,
                quotaBytes: stats.quota_bytes ?? 0,
                quotaObjects: stats.quota_objects ?? 0
            )
        }
        return capacities
    }

    /// Asks the monitors for `ceph df detail`.
    public static func read(from cluster: Cluster) async throws -> [String: PoolCapacity] {
        let output = try await cluster.monitorCommand(#"{"prefix":"df","detail":"detail","format":"json"}"#)
        return try parse(dfDetail: output)
    }
}
