/// Images that may have been left behind by Kubernetes: in a pool where ceph-csi records whom its
/// images belong to, an image that names neither a PersistentVolume nor a VolumeSnapshot.
///
/// Only a candidate: ceph-csi also keeps images of its own without those keys for a while (the
/// `-temp` clone of a volume being cloned, an image whose metadata it has not written yet), and an
/// operator may keep images by hand in the same pool. A pool where no image names an owner (ceph-csi
/// without `--extra-create-metadata`, or no Kubernetes at all) has no candidates: nothing tells its
/// images apart. Trashed images are not considered: they are accounted for in the trash.
public struct OrphanCandidates: Sendable, Equatable {
    /// Ids of the candidate images.
    public var ids: Set<String>

    /// Finds the candidates among one pool's live images (every namespace: ceph-csi may keep one
    /// StorageClass's images in a namespace and another's in the default one).
    public init(pool images: [ImageUsage]) {
        guard images.contains(where: { $0.kubernetes.namesOwner }) else {
            ids = []
            return
        }
        ids = Set(images.lazy.filter { !$0.kubernetes.namesOwner }.map(\.id))
    }

    /// Whether `image` is a candidate.
    public func contains(_ image: ImageUsage) -> Bool { ids.contains(image.id) }
}
