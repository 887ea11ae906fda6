/// How an image's usage was measured, from cheapest to dearest.
public enum MeteringMethod: String, Sendable, Codable, Comparable {
    /// Without librbd: the image's header read through the `rbd` object class, its objects counted in
    /// one listing of its namespace (object mode, no snapshots, a plain layout).
    case headerListing = "header-listing"
    /// Without librbd, from the object maps (fast-diff) of the head and of every snapshot, read
    /// directly with the snapshots' metadata: one batch of small reads (object mode).
    case objectMap = "object-map"
    /// From one listing of the pool's objects: one request per existing object.
    case listing
    /// Through librbd's diff (`rbd_diff_iterate2`), one open per snapshot: from its object map where
    /// it has a valid one (and then, in exact mode, one request per object that holds data), or by
    /// asking the OSDs about every object the image could have.
    case diff

    private var cost: Int {
        switch self {
        case .headerListing: -1
        case .objectMap: 0
        case .listing: 1
        case .diff: 2
        }
    }

    public static func < (lhs: MeteringMethod, rhs: MeteringMethod) -> Bool { lhs.cost < rhs.cost }
}
