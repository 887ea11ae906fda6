import Metering

/// A quota from the config: a byte limit on a pool, an RBD namespace, an image, or a Kubernetes
/// namespace (from ceph-csi's metadata), with warning and critical thresholds.
public struct QuotaRule: Sendable, Equatable {
    public enum Scope: String, Sendable, CaseIterable {
        /// Each matching pool, all its namespaces.
        case pool
        /// Each matching RBD namespace of each matching pool.
        case namespace
        /// Each matching image.
        case image
        /// Each matching Kubernetes namespace, over every matching pool.
        case pvcNamespace = "pvc_namespace"
    }

    /// What the limit is compared with.
    public enum Counted: String, Sendable, CaseIterable {
        /// Images with their snapshots (`total_used_bytes`), what the images cost.
        case totalUsed = "total_used"
        /// The images' current state (`used_bytes`).
        case used
        /// The images' sizes (`provisioned_bytes`): a limit on thin-provisioning overcommit.
        case provisioned
    }

    public var name: String
    public var scope: Scope
    /// Shell globs that select what the rule covers; `*` for everything.
    public var pool: String
    public var namespace: String
    public var image: String
    public var pvcNamespace: String
    public var limitBytes: UInt64
    public var counted: Counted
    public var warningRatio: Double
    public var criticalRatio: Double
    /// Whether images in the RBD trash count against the limit: they hold their bytes until the
    /// trash is purged, but nobody uses them any more.
    public var includesTrash: Bool

    public init(
        name: String, scope: Scope, pool: String = "*", namespace: String = "*", image: String = "*", pvcNamespace: String = "*",
        limitBytes: UInt64, counted: Counted = .totalUsed, warningRatio: Double = 0.8, criticalRatio: Double = 0.95,
        includesTrash: Bool = false
    ) {
        self.name = name
        self.scope = scope
        self.pool = pool
        self.namespace = namespace
        self.image = image
        self.pvcNamespace = pvcNamespace
        self.limitBytes = limitBytes
        self.counted = counted
        self.warningRatio = warningRatio
        self.criticalRatio = criticalRatio
        self.includesTrash = includesTrash
    }

    func bytes(of image: ImageUsage) -> UInt64 {
        switch counted {
        case .totalUsed: image.totalUsedBytes
        case .used: image.usedBytes
        case .provisioned: image.provisionedBytes
        }
    }

    func covers(_ image: ImageUsage) -> Bool {
        GlobFilter.match(pool, image.pool) && GlobFilter.match(namespace, image.namespace) && GlobFilter.match(self.image, image.image)
            && (scope != .pvcNamespace || (!image.kubernetes.pvcNamespace.isEmpty && GlobFilter.match(pvcNamespace, image.kubernetes.pvcNamespace)))
    }
}
