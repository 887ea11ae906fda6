extension ImageUsage {
    /// An image's usage as JSON, the same in `rbd-meter scan --format json` and `GET /v1/pool/usage`.
    public struct Row: Encodable, Sendable {
        var pool: String
        var namespace: String
        var image: String
        var id: String
        var provisioned_bytes: UInt64
        var used_bytes: UInt64
        var total_used_bytes: UInt64
        var snapshots: Int
        var method: String
    }

    public var row: Row {
        Row(pool: pool, namespace: namespace, image: image, id: id, provisioned_bytes: provisionedBytes, used_bytes: usedBytes,
            total_used_bytes: totalUsedBytes, snapshots: snapshots, method: method.rawValue)
    }
}
