/// What fast-diff needs of one snapshot, read from the image's header through the `rbd` class
/// (`snapshot_get` and `get_flags` with the snapshot's id) instead of a librbd open.
public struct SnapshotHeader: Sendable, Equatable {
    public var info: SnapshotInfo
    /// The snapshot's own flags: its object map may be invalid while the head's is fine.
    public var flags: ImageFlags

    /// The compound read of the header that reads every snapshot of `header`'s snapshot context,
    /// oldest first (ids grow with every snapshot; the context lists them newest first); `nil`
    /// without snapshots. ``all(of:replies:)`` decodes its replies.
    static func request(_ header: ImageHeader) -> ObjectCalls? {
        guard !header.snapshotIDs.isEmpty else { return nil }
        let calls = header.snapshotIDs.sorted().flatMap { id -> [ObjectCalls.Call] in
            [.init(method: "snapshot_get", input: ObjectCalls.little(id)), .init(method: "get_flags", input: ObjectCalls.little(id))]
        }
        return ObjectCalls(object: "rbd_header.\(header.id)", calls: calls)
    }

    /// Decodes the replies of ``request(_:)``.
    static func all(of header: ImageHeader, replies: [[UInt8]]) throws(RBDError) -> [SnapshotHeader] {
        let ids = header.snapshotIDs.sorted()
        precondition(replies.count == ids.count * 2)
        return try ids.indices.map { index throws(RBDError) in
            try SnapshotHeader(id: ids[index], replies: replies[(index * 2)..<(index * 2 + 2)], image: header.id)
        }
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
