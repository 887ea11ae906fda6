extension ImageUsage {
    /// An image's usage as JSON, the same in `rbd-meter scan --format json` and `GET /v1/pool/usage`.
    public struct Row: Encodable, Sendable {
        var pool: String
        var namespace: String
        var image: String
        var id: String
        var provisionedBytes: UInt64
        var usedBytes: UInt64
        var totalUsedBytes: UInt64
        var snapshots: Int
        var method: String
    }

    public var row: Row {
        Row(pool: pool, namespace: namespace, image: image, id: id, provisionedBytes: provisionedBytes, usedBytes: usedBytes,
            totalUsedBytes: totalUsedBytes, snapshots: snapshots, method: method.rawValue)
    }
}
