/// How finely allocation is counted.
public enum UsageMode: String, Sendable, CaseIterable, Codable {
    /// Whole RADOS objects: an object that holds one byte counts its full size. The granularity of
    /// `rbd du`, and the cheapest to compute.
    case object
    /// Byte extents, as the diff iteration reports them: what the original REST service's allocation
    /// endpoint returned, and `rbd du --exact`.
    case exact
}
