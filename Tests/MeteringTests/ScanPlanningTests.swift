@testable import Metering
import RBD
import Testing

/// The pure pieces of planning a measurement: splitting ranges, merging extents, patterns, names.
@Suite("Scan planning")
struct ScanPlanningTests {
    @Test("batches cover the ranges exactly, each at most the batch size")
    func batchesCoverRangesExactly() {
        let batcher = RangeBatcher(objectSize: 4, objectsPerBatch: 3)
        let ranges: [Range<UInt64>] = [0..<10, 20..<22, 30..<47]
        let batches = batcher.batches(ranges)
        #expect(batches.allSatisfy { $0.reduce(0) { $0 + $1.count } <= 12 })
        let flattened = batches.flatMap { $0 }
        #expect(flattened.reduce(0) { $0 + $1.count } == 10 + 2 + 17)
        var merged = ExtentSet()
        for range in flattened { merged.insert(range) }
        #expect(merged.ranges == ranges)
        #expect(batcher.objectCount([0..<10]) == 3)
    }

    @Test("touching extents merge, separate ones stay apart")
    func extentsMerge() {
        var set = ExtentSet()
        set.insert(0..<4)
        set.insert(4..<8)
        set.insert(12..<16)
        set.insert(14..<20)
        set.insert(30..<30)
        #expect(set.ranges == [0..<8, 12..<20])
        #expect(set.totalLength == 16)
    }

    @Test("snapshot intervals chain from creation through every snapshot to the head")
    func intervalsChain() {
        let snaps = [
            SnapshotInfo(id: 4, name: "a", size: 10, namespace: .user),
            SnapshotInfo(id: 9, name: "b", size: 20, namespace: .user),
        ]
        let chain = ImageMeter.Interval.chain(snapshots: snaps, headSize: 30)
        #expect(chain == [
            .init(to: "a", from: nil, size: 10),
            .init(to: "b", from: "a", size: 20),
            .init(to: nil, from: "b", size: 30),
        ])
    }

    @Test("globs include and exclude pool names")
    func globFilter() {
        let filter = GlobFilter(include: ["k8s-*", "rbd"], exclude: ["*-test"])
        #expect(filter.matches("k8s-prod"))
        #expect(filter.matches("rbd"))
        #expect(!filter.matches("k8s-test"))
        #expect(!filter.matches("other"))
        #expect(GlobFilter.all.matches("anything"))
    }

    @Test("image specs parse as pool/image or pool/namespace/image")
    func imageLocations() {
        #expect(ImageLocation(spec: "rbd/vol") == ImageLocation(pool: "rbd", image: "vol"))
        #expect(ImageLocation(spec: "rbd/ns/vol") == ImageLocation(pool: "rbd", namespace: "ns", image: "vol"))
        #expect(ImageLocation(spec: "rbd") == nil)
        #expect(ImageLocation(spec: "rbd//") == nil)
        #expect(ImageLocation(spec: "a/b/c/d") == nil)
    }

    @Test("ceph-csi metadata becomes the Kubernetes identity")
    func kubernetesIdentity() {
        let identity = KubernetesIdentity(metadata: [
            "csi.storage.k8s.io/pv/name": "pvc-1234",
            "csi.storage.k8s.io/pvc/name": "data-db-0",
            "csi.storage.k8s.io/pvc/namespace": "shop",
            "other": "x",
        ])
        #expect(identity == KubernetesIdentity(pv: "pvc-1234", pvc: "data-db-0", pvcNamespace: "shop"))
        #expect(KubernetesIdentity(metadata: [:]).isEmpty)
    }

    @Test("listed objects are taken for head objects only where no snapshot context can have cloned them")
    func listingHoldsOnlyHeads() {
        func listing(clones: Bool, poolSnapshots: Bool) -> ObjectIndex.Listing {
            ObjectIndex.Listing(objects: [:], poolHasClones: clones, poolHasSnapshots: poolSnapshots)
        }
        #expect(listing(clones: true, poolSnapshots: false).holdsOnlyHeads(snapshotSequence: 0), "an image that never had a snapshot")
        #expect(!listing(clones: true, poolSnapshots: true).holdsOnlyHeads(snapshotSequence: 0), "unless the pool has pool snapshots")
        #expect(!listing(clones: true, poolSnapshots: false).holdsOnlyHeads(snapshotSequence: 3))
        #expect(!listing(clones: true, poolSnapshots: false).holdsOnlyHeads(snapshotSequence: nil))
        #expect(listing(clones: false, poolSnapshots: true).holdsOnlyHeads(snapshotSequence: 3), "a pool without clones holds heads only")
    }
}
