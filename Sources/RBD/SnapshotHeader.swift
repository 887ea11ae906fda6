/// What fast-diff needs of one snapshot, read from the image's header through the `rbd` class
/// (`snapshot_get` and `get_flags` with the snapshot's id) instead of a librbd open.
public struct SnapshotHeader: Sendable, Equatable {
    public var info: SnapshotInfo
    /// The snapshot's own flags: its object map may be invalid while the head's is fine.
    public var flags: ImageFlags

    /// The calls that read snapshot `id`, in the order ``init(id:replies:image:)`` decodes them.
    static func calls(id: UInt64) -> [ObjectCalls.Call] {
        [.init(method: "snapshot_get", input: ObjectCalls.little(id)), .init(method: "get_flags", input: ObjectCalls.little(id))]
    }

    /// Decodes a `cls::rbd::SnapshotInfo` (id, namespace, name, image size, timestamp, child count)
    /// and the snapshot's flags.
    init(id: UInt64, replies: ArraySlice<[UInt8]>, image: String) throws(RBDError) {
        precondition(replies.count == 2)
        let what = "rbd.snapshot_get of rbd_header.\(image) (snapshot \(id))"
        var snapshot = CephDecoder(replies[replies.startIndex], what: what)
        let end = try snapshot.structHeader(known: 1)
        guard try snapshot.u64() == id else { throw snapshot.malformed("another snapshot's id") }
        // cls::rbd::SnapshotNamespace: a versioned struct around the u32 type and its own fields.
        let namespaceEnd = try snapshot.structHeader(known: 1)
        let namespace: SnapshotInfo.Namespace = switch try snapshot.u32() {
        case 0: .user
        case 1: .group
        case 2: .trash
        case 3: .mirror
        default: .unknown
        }
        snapshot.skip(to: namespaceEnd)
        let name = try snapshot.string()
        let size = try snapshot.u64()
        snapshot.skip(to: end)
        try snapshot.expectEnd()

        var flags = CephDecoder(replies[replies.startIndex + 1], what: "rbd.get_flags of rbd_header.\(image) (snapshot \(id))")
        self.flags = ImageFlags(rawValue: try flags.u64())
        try flags.expectEnd()
        info = SnapshotInfo(id: id, name: name, size: size, namespace: namespace)
    }
}
