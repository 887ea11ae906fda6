import History
import Metering

/// How a report groups images.
public enum ReportGrouping: String, Sendable, CaseIterable {
    case pool, namespace, image
    /// By Kubernetes namespace (ceph-csi's `csi.storage.k8s.io/pvc/namespace`); images that no PVC
    /// owns fall under `(none)`.
    case pvcNamespace = "pvc_namespace"
    /// By Kubernetes VolumeSnapshot, as `NAMESPACE/NAME` (ceph-csi keeps each snapshot as an image of
    /// its own): what each snapshot costs. Images that back no VolumeSnapshot fall under `(none)`.
    case volumeSnapshot = "volumesnapshot"

    /// The group an image falls in.
    public func key(pool: String, namespace: String, image: String, kubernetes: KubernetesIdentity) -> String {
        switch self {
        case .pool: pool
        case .namespace: namespace.isEmpty ? "\(pool)/" : "\(pool)/\(namespace)"
        case .image: namespace.isEmpty ? "\(pool)/\(image)" : "\(pool)/\(namespace)/\(image)"
        case .pvcNamespace: kubernetes.pvcNamespace.isEmpty ? "(none)" : kubernetes.pvcNamespace
        case .volumeSnapshot:
            kubernetes.volumeSnapshot.isEmpty ? "(none)" : "\(kubernetes.volumeSnapshotNamespace)/\(kubernetes.volumeSnapshot)"
        }
    }

    func key(_ record: ImageRecord) -> String {
        key(pool: record.pool, namespace: record.namespace, image: record.name, kubernetes: record.identity)
    }
}
