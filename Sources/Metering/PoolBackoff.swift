/// Pools whose scans keep timing out, and when each may be tried again.
///
/// A pool whose OSDs do not answer costs every scan one operation timeout and leaves requests
/// queued toward those OSDs. So a pool that timed out waits, as the whole cluster does while its
/// monitors are out of reach, for the scheduler's backoff (the first delay, doubling up to the
/// maximum) before it is scanned again; meanwhile it keeps its last numbers, marked stale. A pool
/// scanned to the end is forgiven at once. Only timeouts count: a missing pool or a refused key is
/// not something waiting mends.
public struct PoolBackoff: Sendable, Equatable {
    /// One pool that timed out.
    public struct Entry: Sendable, Equatable {
        /// Scans in a row in which the pool was tried and timed out.
        public var timeouts: Int
        /// The latest of those timeouts, reported again for the scans that skip the pool.
        public var failure: ScanFailure
        /// When the pool may be tried again.
        public var retryAt: ContinuousClock.Instant
    }

    /// The pools that timed out, by name.
    public private(set) var pools: [String: Entry] = [:]

    public init() {}

    /// Folds in a scan that ended at `now`: a pool that was tried and timed out waits longer; a
    /// pool scanned to the end is forgiven; a skipped pool keeps waiting.
    public mutating func record(_ report: ScanReport, timing: Scheduler.Timing, now: ContinuousClock.Instant) {
        if report.clusterUnreachable {
            // The scheduler backs off for the whole cluster; no pool is to blame.
            return
        }
        for scan in report.pools where !scan.skipped {
            guard let failure = scan.failure else {
                pools[scan.pool] = nil
                continue
            }
            guard failure.reason == .timeout else { continue }
            let timeouts = (pools[scan.pool]?.timeouts ?? 0) + 1
            pools[scan.pool] = Entry(timeouts: timeouts, failure: failure, retryAt: now + timing.backoff(after: timeouts))
        }
        // Pools no longer scanned (deleted, filtered out) are forgotten.
        let scanned = Set(report.pools.map(\.pool))
        pools = pools.filter { scanned.contains($0.key) }
    }

    /// The pools that must still wait at `now`, with the failure each repeats meanwhile.
    public func waiting(at now: ContinuousClock.Instant) -> [String: ScanFailure] {
        pools.filter { $0.value.retryAt > now }.mapValues(\.failure)
    }

    /// Scans in a row that timed out in `pool`; 0 for a pool that answers.
    public func timeouts(of pool: String) -> Int {
        pools[pool]?.timeouts ?? 0
    }
}
