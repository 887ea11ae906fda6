/// How an image's usage was measured, from cheapest to dearest.
public enum MeteringMethod: String, Sendable, Codable, Comparable {
    /// From the object map (fast-diff): one read of a small bitmap, plus, in exact mode, one request
    /// per existing object.
    case objectMap = "object-map"
    /// From one listing of the pool's objects: one request per existing object.
    case listing
    /// By asking the OSDs about every object the image could have: one request per provisioned object.
    case diff

    private var cost: Int {
        switch self {
        case .objectMap: 0
        case .listing: 1
        case .diff: 2
        }
    }

    public static func < (lhs: MeteringMethod, rhs: MeteringMethod) -> Bool { lhs.cost < rhs.cost }
}
