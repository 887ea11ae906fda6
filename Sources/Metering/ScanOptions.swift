/// What a scan covers and how hard it works.
public struct ScanOptions: Sendable, Equatable {
    /// Pools named explicitly; they must exist. Empty: every pool with the `rbd` application that
    /// ``poolFilter`` lets through.
    public var pools: [String]
    /// Patterns over pool names, applied when ``pools`` is empty.
    public var poolFilter: GlobFilter
    /// Patterns over namespace names; the default namespace is called "".
    public var namespaceFilter: GlobFilter
    public var mode: UsageMode
    /// Images measured at once.
    public var concurrency: Int
    /// Objects one worker diffs before a large image is split among several (see ``ImageMeter``).
    public var objectsPerRange: UInt64
    /// How long one pool may take before its scan is abandoned; `nil` for no limit.
    public var poolTimeBudget: Duration?
    /// Whether images without a usable object map are measured from one listing of their namespace's
    /// objects instead of a request per provisioned object.
    public var useListing: Bool
    /// See ``ImageMeter/reuseSettleSeconds``.
    public var reuseSettleSeconds: Double
    /// See ``ImageMeter/fullRescanSeconds``; 0 turns incremental scans off.
    public var fullRescanSeconds: Double
    /// Only the images of this shard; `nil` for all.
    public var shard: Shard?
    /// Whether every image goes through a librbd open, as before header probes existed: for an
    /// operator who wants to compare the fast path with librbd's own answers.
    public var librbdOnly: Bool

    /// The meter these options ask for.
    public var meter: ImageMeter {
        ImageMeter(mode: mode, objectsPerRange: objectsPerRange, reuseSettleSeconds: reuseSettleSeconds, fullRescanSeconds: fullRescanSeconds)
    }

    public init(
        pools: [String] = [],
        poolFilter: GlobFilter = .all,
        namespaceFilter: GlobFilter = .all,
        mode: UsageMode = .exact,
        concurrency: Int = 8,
        objectsPerRange: UInt64 = 1024,
        poolTimeBudget: Duration? = nil,
        useListing: Bool = true,
        reuseSettleSeconds: Double = 120,
        fullRescanSeconds: Double = 3600,
        shard: Shard? = nil,
        librbdOnly: Bool = false
    ) {
        self.pools = pools
        self.poolFilter = poolFilter
        self.namespaceFilter = namespaceFilter
        self.mode = mode
        self.concurrency = concurrency
        self.objectsPerRange = objectsPerRange
        self.poolTimeBudget = poolTimeBudget
        self.useListing = useListing
        self.reuseSettleSeconds = reuseSettleSeconds
        self.fullRescanSeconds = fullRescanSeconds
        self.shard = shard
        self.librbdOnly = librbdOnly
    }
}
