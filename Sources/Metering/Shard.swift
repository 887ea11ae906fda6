/// One of N instances that split the images between them: each meters only the images whose stable
/// hash falls in its shard, and Prometheus adds the shards up.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    /// 0-based, below ``count``.
    public var index: Int
    public var count: Int

    public init?(index: Int, count: Int) {
        guard count >= 1, (0..<count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    /// Parses `I/N`, e.g. `0/3`.
    public init?(spec: String) {
        let parts = spec.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else { return nil }
        self.init(index: index, count: count)
    }

    /// Whether this shard meters the image. The hash covers the pool, the namespace and the image
    /// id, not the name: a rename keeps an image in its shard.
    public func contains(pool: String, namespace: String, imageID: String) -> Bool {
        Self.hash("\(pool)/\(namespace)/\(imageID)") % UInt64(count) == UInt64(index)
    }

    /// 64-bit FNV-1a: the same on every machine and in every release, unlike `Hasher`.
    static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    public var description: String { "\(index)/\(count)" }
}
