import History

/// Growth and the time left until a limit, for an image, a namespace or a pool.
public struct Forecast: Sendable, Equatable {
    public enum Subject: Sendable, Hashable {
        case image(pool: String, namespace: String, image: String)
        case namespace(pool: String, namespace: String)
        case pool(String)
    }

    /// A limit the usage may reach.
    public enum Limit: String, Sendable, CaseIterable {
        /// A quota rule of rbd-meter's config.
        case quota
        /// The pool's own Ceph quota (`max_bytes`), compared with what Ceph says it stores.
        case cephQuota = "ceph_quota"
        /// The provisioned size: the image (or every image) is full.
        case provisioned
    }

    public var subject: Subject
    /// Growth of total-used bytes (snapshots included) per day.
    public var growthPerDay: Double
    /// Growth of used bytes per day.
    public var usedGrowthPerDay: Double
    public var totalUsedBytes: Double
    public var usedBytes: Double
    public var provisionedBytes: Double
    /// When each limit is reached, in seconds since the epoch; absent for a limit not set or not
    /// approached (no growth).
    public var fullAt: [Limit: Double]

    /// Days until the earliest limit, `nil` when none is approached.
    public func daysToFull(now: Double) -> Double? {
        fullAt.values.min().map { max(($0 - now) / .day, 0) }
    }

    /// When a value of `current` growing by `perDay` reaches `limit`; now if it already has.
    static func reach(_ limit: Double, from current: Double, perDay: Double, now: Double) -> Double? {
        if current >= limit { return now }
        guard perDay > 0 else { return nil }
        return now + (limit - current) / perDay * .day
    }
}
