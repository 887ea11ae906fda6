/// Every object map of an image and what its snapshots say of themselves: all that librbd's
/// fast-diff reads (`src/librbd/object_map/DiffRequest.cc`), read without opening the image.
public struct ImageObjectMaps: Sendable {
    /// Every snapshot of the image's snapshot context, user or not, oldest first.
    public var snapshots: [SnapshotHeader]
    /// The object map of each snapshot, by snapshot id; `nil` where the snapshot has none (removed
    /// since the snapshot context was read, or never made).
    public var snapshotMaps: [UInt64: ObjectMap]
    /// The head's object map.
    public var head: ObjectMap

    public init(snapshots: [SnapshotHeader], snapshotMaps: [UInt64: ObjectMap], head: ObjectMap) {
        self.snapshots = snapshots
        self.snapshotMaps = snapshotMaps
        self.head = head
    }

    /// `rbd_object_map.ID` for the head, `rbd_object_map.ID.%016x` for a snapshot
    /// (`ObjectMap<>::object_map_name`).
    static func objectName(imageID: String, snapshot: UInt64?) -> String {
        let head = "rbd_object_map.\(imageID)"
        return snapshot.map { IOContext.dataObjectName(prefix: head, number: $0) } ?? head
    }
}
