/// Where an image lives: `pool/[namespace/]image`, as the rbd CLI writes it.
public struct ImageLocation: Sendable, Hashable, CustomStringConvertible {
    public var pool: String
    public var namespace: String
    public var image: String

    public init(pool: String, namespace: String = "", image: String) {
        self.pool = pool
        self.namespace = namespace
        self.image = image
    }

    /// Parses `pool/image` or `pool/namespace/image`; `nil` for anything else. Image names may
    /// not contain `/` in Ceph either, so the split is unambiguous.
    public init?(spec: String) {
        let parts = spec.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 2 where !parts[0].isEmpty && !parts[1].isEmpty:
            self.init(pool: parts[0], image: parts[1])
        case 3 where !parts[0].isEmpty && !parts[2].isEmpty:
            self.init(pool: parts[0], namespace: parts[1], image: parts[2])
        default:
            return nil
        }
    }

    public var description: String {
        namespace.isEmpty ? "\(pool)/\(image)" : "\(pool)/\(namespace)/\(image)"
    }
}
