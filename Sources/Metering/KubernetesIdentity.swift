/// The Kubernetes objects an image backs, as ceph-csi records them in the image's metadata.
public struct KubernetesIdentity: Sendable, Equatable, Codable {
    /// The PersistentVolume's name (`csi.storage.k8s.io/pv/name`).
    public var pv: String
    /// The PersistentVolumeClaim's name (`csi.storage.k8s.io/pvc/name`).
    public var pvc: String
    /// The PersistentVolumeClaim's namespace (`csi.storage.k8s.io/pvc/namespace`).
    public var pvcNamespace: String

    public init(pv: String = "", pvc: String = "", pvcNamespace: String = "") {
        self.pv = pv
        self.pvc = pvc
        self.pvcNamespace = pvcNamespace
    }

    /// The metadata keys ceph-csi writes.
    public enum MetadataKey {
        public static let pv = "csi.storage.k8s.io/pv/name"
        public static let pvc = "csi.storage.k8s.io/pvc/name"
        public static let pvcNamespace = "csi.storage.k8s.io/pvc/namespace"
    }

    /// Reads the identity from an image's metadata; absent keys stay empty.
    public init(metadata: [String: String]) {
        self.init(
            pv: metadata[MetadataKey.pv] ?? "",
            pvc: metadata[MetadataKey.pvc] ?? "",
            pvcNamespace: metadata[MetadataKey.pvcNamespace] ?? ""
        )
    }

    /// Whether the image carries no Kubernetes identity.
    public var isEmpty: Bool { pv.isEmpty && pvc.isEmpty && pvcNamespace.isEmpty }
}
