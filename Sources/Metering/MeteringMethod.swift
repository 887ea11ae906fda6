/// How an image's usage was measured, from cheapest to dearest.
public enum MeteringMethod: String, Sendable, Codable, Comparable {
    /// Without librbd: the image's header read through the `rbd` object class, its objects counted in
    /// one listing of its namespace (object mode, no snapshots, a plain layout).
    case headerListing = "header-listing"
    /// From the object map (fast-diff): one read of a small bitmap, plus, in exact mode, one request
    /// per existing object.
    case objectMap = "object-map"
    /// From one listing of the pool's objects: one request per existing object.
    case listing
    /// By asking the OSDs about every object the image could have: one request per provisioned object.
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
