/// The Kubernetes objects an image backs, as ceph-csi records them in the image's metadata.
///
/// ceph-csi writes these keys only when its provisioner passes the objects' names
/// (`--extra-create-metadata`) and metadata is not turned off (`setmetadata`). The key names are
/// ceph-csi's own: `internal/util/k8s/parameters.go` (`pvNameKey`, `pvcNameKey`, `pvcNamespaceKey`,
/// `volSnapNameKey`, `volSnapNamespaceKey`, `volSnapContentNameKey`) and `internal/rbd/rbd_util.go`
/// (`clusterNameKey`) in github.com/ceph/ceph-csi.
///
/// A VolumeSnapshot is an RBD image of its own (`csi-snap-...`, a clone of a snapshot of the PV's
/// image). ceph-csi's `CreateSnapshot` (`internal/rbd/controllerserver.go`) removes the PV and PVC keys
/// the clone inherited and sets the VolumeSnapshot keys instead, so such an image names a
/// VolumeSnapshot and no PV; a volume restored from it gets the PV keys back and loses those.
public struct KubernetesIdentity: Sendable, Equatable, Codable {
    /// The PersistentVolume's name (`csi.storage.k8s.io/pv/name`).
    public var pv: String
    /// The PersistentVolumeClaim's name (`csi.storage.k8s.io/pvc/name`).
    public var pvc: String
    /// The PersistentVolumeClaim's namespace (`csi.storage.k8s.io/pvc/namespace`).
    public var pvcNamespace: String
    /// The VolumeSnapshot's name (`csi.storage.k8s.io/volumesnapshot/name`).
    public var volumeSnapshot: String
    /// The VolumeSnapshot's namespace (`csi.storage.k8s.io/volumesnapshot/namespace`).
    public var volumeSnapshotNamespace: String
    /// The VolumeSnapshotContent's name (`csi.storage.k8s.io/volumesnapshotcontent/name`).
    public var volumeSnapshotContent: String
    /// The name ceph-csi was configured with for the Kubernetes cluster (`csi.ceph.com/cluster/name`),
    /// which tells apart images of several Kubernetes clusters sharing one Ceph pool.
    public var clusterName: String

    public init(
        pv: String = "", pvc: String = "", pvcNamespace: String = "",
        volumeSnapshot: String = "", volumeSnapshotNamespace: String = "", volumeSnapshotContent: String = "",
        clusterName: String = ""
    ) {
        self.pv = pv
        self.pvc = pvc
        self.pvcNamespace = pvcNamespace
        self.volumeSnapshot = volumeSnapshot
        self.volumeSnapshotNamespace = volumeSnapshotNamespace
        self.volumeSnapshotContent = volumeSnapshotContent
        self.clusterName = clusterName
    }

    /// The metadata keys ceph-csi writes (see the type's documentation for where they are defined).
    public enum MetadataKey {
        public static let pv = "csi.storage.k8s.io/pv/name"
        public static let pvc = "csi.storage.k8s.io/pvc/name"
        public static let pvcNamespace = "csi.storage.k8s.io/pvc/namespace"
        public static let volumeSnapshot = "csi.storage.k8s.io/volumesnapshot/name"
        public static let volumeSnapshotNamespace = "csi.storage.k8s.io/volumesnapshot/namespace"
        public static let volumeSnapshotContent = "csi.storage.k8s.io/volumesnapshotcontent/name"
        public static let clusterName = "csi.ceph.com/cluster/name"
    }

    /// Reads the identity from an image's metadata; absent keys stay empty.
    public init(metadata: [String: String]) {
        self.init(
            pv: metadata[MetadataKey.pv] ?? "",
            pvc: metadata[MetadataKey.pvc] ?? "",
            pvcNamespace: metadata[MetadataKey.pvcNamespace] ?? "",
            volumeSnapshot: metadata[MetadataKey.volumeSnapshot] ?? "",
            volumeSnapshotNamespace: metadata[MetadataKey.volumeSnapshotNamespace] ?? "",
            volumeSnapshotContent: metadata[MetadataKey.volumeSnapshotContent] ?? "",
            clusterName: metadata[MetadataKey.clusterName] ?? ""
        )
    }

    /// Whether the image carries no Kubernetes identity.
    public var isEmpty: Bool { self == KubernetesIdentity() }

    /// Whether ceph-csi names a Kubernetes object the image backs: a PersistentVolume or a
    /// VolumeSnapshot. The cluster name alone names none.
    public var namesOwner: Bool {
        !pv.isEmpty || !volumeSnapshot.isEmpty || !volumeSnapshotContent.isEmpty
    }
}
