import History

/// How a report groups images.
public enum ReportGrouping: String, Sendable, CaseIterable {
    case pool, namespace, image
    /// By Kubernetes namespace (ceph-csi's `csi.storage.k8s.io/pvc/namespace`); images that no PVC
    /// owns fall under `(none)`.
    case pvcNamespace = "pvc_namespace"

    /// The group an image falls in.
    public func key(pool: String, namespace: String, image: String, pvcNamespace: String) -> String {
        switch self {
        case .pool: pool
        case .namespace: namespace.isEmpty ? "\(pool)/" : "\(pool)/\(namespace)"
        case .image: namespace.isEmpty ? "\(pool)/\(image)" : "\(pool)/\(namespace)/\(image)"
        case .pvcNamespace: pvcNamespace.isEmpty ? "(none)" : pvcNamespace
        }
    }

    func key(_ record: ImageRecord) -> String {
        key(pool: record.pool, namespace: record.namespace, image: record.name, pvcNamespace: record.pvcNamespace)
    }
}
