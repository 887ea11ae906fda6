import DevCluster
import Foundation
import Metering
import RBD
import Testing

/// ceph-csi's image metadata, written with `rbd image-meta set` as ceph-csi writes it, read back by a
/// scan, and the orphan candidates it implies.
@Suite("Kubernetes identity and orphan candidates")
struct KubernetesIdentityTests {
    typealias Key = KubernetesIdentity.MetadataKey

    func setMetadata(_ dev: DevCluster, _ spec: String, _ pairs: [String: String]) async throws {
        for (key, value) in pairs.sorted(by: { $0.key < $1.key }) {
            try await dev.rbd("image-meta", "set", spec, key, value)
        }
    }

    /// `rbd image-meta list --format json`: the keys and values the CLI sees.
    func cliMetadata(_ dev: DevCluster, _ spec: String) async throws -> [String: String] {
        let output = try await dev.rbd("image-meta", "list", "--format", "json", spec)
        return output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            ? [:] : try JSONDecoder().decode([String: String].self, from: Data(output.utf8))
    }

    @Test("PV, PVC, VolumeSnapshot and cluster keys are read as ceph-csi writes them; images naming no owner in a ceph-csi pool are orphan candidates")
    func identityAndOrphanCandidates() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("csi") { csi in
            try await dev.withPool("plain") { plain in
                let volume: [String: String] = [
                    Key.pv: "pvc-0a1b", Key.pvc: "data-db-0", Key.pvcNamespace: "shop", Key.clusterName: "k8s-cluster-1",
                ]
                // A VolumeSnapshot's image carries the snapshot keys and no PV keys (see KubernetesIdentity).
                let snapshot: [String: String] = [
                    Key.volumeSnapshot: "db-nightly", Key.volumeSnapshotNamespace: "shop",
                    Key.volumeSnapshotContent: "snapcontent-9f8e", Key.clusterName: "k8s-cluster-1",
                ]
                try await dev.rbd("namespace", "create", "\(csi)/tenant")
                for image in ["csi-vol-1", "csi-snap-1", "leftover", "cluster-only", "tenant/csi-vol-2"] {
                    try await dev.rbd("create", "--size", "16M", "\(csi)/\(image)")
                }
                try await setMetadata(dev, "\(csi)/csi-vol-1", volume)
                try await setMetadata(dev, "\(csi)/tenant/csi-vol-2", [Key.pv: "pvc-3c4d"])
                try await setMetadata(dev, "\(csi)/csi-snap-1", snapshot)
                try await setMetadata(dev, "\(csi)/cluster-only", [Key.clusterName: "k8s-cluster-1"])
                try await setMetadata(dev, "\(csi)/leftover", ["owner": "someone"])
                for image in ["a", "b"] { try await dev.rbd("create", "--size", "16M", "\(plain)/\(image)") }

                try await dev.withConnection { cluster in
                    let report = await Metering.Scanner(cluster: cluster, options: ScanOptions(pools: [csi, plain])).scan()
                    #expect(report.succeeded)
                    let images = Dictionary(uniqueKeysWithValues: report.images.map { ($0.spec, $0) })

                    let vol = try #require(images["\(csi)/csi-vol-1"])
                    #expect(vol.kubernetes == KubernetesIdentity(metadata: try await cliMetadata(dev, "\(csi)/csi-vol-1")))
                    #expect(vol.kubernetes == KubernetesIdentity(pv: "pvc-0a1b", pvc: "data-db-0", pvcNamespace: "shop", clusterName: "k8s-cluster-1"))
                    let snap = try #require(images["\(csi)/csi-snap-1"])
                    #expect(snap.kubernetes == KubernetesIdentity(metadata: try await cliMetadata(dev, "\(csi)/csi-snap-1")))
                    #expect(snap.kubernetes == KubernetesIdentity(
                        volumeSnapshot: "db-nightly", volumeSnapshotNamespace: "shop", volumeSnapshotContent: "snapcontent-9f8e", clusterName: "k8s-cluster-1"))
                    #expect(images["\(csi)/leftover"]?.kubernetes.isEmpty == true)
                    #expect(images["\(csi)/cluster-only"]?.kubernetes.namesOwner == false)

                    let csiImages = report.pools.first { $0.pool == csi }?.images ?? []
                    let candidates = OrphanCandidates(pool: csiImages)
                    #expect(Set(csiImages.filter(candidates.contains).map(\.image)) == ["leftover", "cluster-only"])
                    let plainImages = report.pools.first { $0.pool == plain }?.images ?? []
                    #expect(plainImages.count == 2)
                    #expect(OrphanCandidates(pool: plainImages).ids.isEmpty, "a pool where no image names an owner has no candidates")

                    // A trashed volume keeps its identity in the trash numbers and no longer owns the pool.
                    try await dev.rbd("trash", "mv", "\(csi)/csi-vol-1")
                    try await dev.rbd("trash", "mv", "\(csi)/csi-snap-1")
                    try await dev.rbd("trash", "mv", "\(csi)/tenant/csi-vol-2")
                    let after = await Metering.Scanner(cluster: cluster, options: ScanOptions(pools: [csi])).scanPool(csi)
                    #expect(after.trash.first { $0.usage.image == "csi-vol-1" }?.usage.kubernetes == vol.kubernetes)
                    #expect(OrphanCandidates(pool: after.images).ids.isEmpty, "with every owned image in the trash, nothing tells the rest apart")
                }
            }
        }
    }
}
