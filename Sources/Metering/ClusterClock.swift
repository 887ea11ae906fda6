import Foundation
import Synchronization

/// What this host can prove about the cluster's clock, from the times the OSDs stamped on what it read.
///
/// librbd's modify timestamp and an object's mtime are stamped by the OSD that served the write,
/// with the OSD's clock; this host's clock may be ahead or behind. A stamp read at some instant of
/// this host shows that the cluster's clock had reached at least that stamp then, and, as both
/// clocks run at the same rate, that it had reached the stamp minus the time elapsed since at any
/// earlier instant, and the stamp plus the time elapsed at any later one. The largest such
/// difference seen is a lower bound of the cluster's time at any instant of this host, whatever the
/// skew: it can only say "not yet" too often, never "already" too early.
///
/// The OSDs of one cluster are assumed to agree with each other, as Ceph itself requires (NTP on
/// every node); a jump of this host's wall clock shifts the bound by the jump.
public final class ClusterClock: Sendable {
    private let offsetBound: Mutex<Double?>

    /// A clock that starts from a bound learned earlier (kept in the history across restarts: it
    /// holds as long as both clocks ran at one rate).
    public init(offset: Double? = nil) {
        offsetBound = Mutex(offset)
    }

    /// The largest `stamp - seen` observed so far, in seconds; `nil` before the first stamp.
    public var offset: Double? { offsetBound.withLock { $0 } }

    /// Records that the cluster had stamped `stamp` (seconds since 1970) by this host's instant `seen`.
    public func observe(stamp: Double, seenAt seen: Date = Date()) {
        guard stamp > 0 else { return }
        let candidate = stamp - seen.timeIntervalSince1970
        offsetBound.withLock { $0 = max($0 ?? candidate, candidate) }
    }

    /// The latest cluster time (seconds since 1970) that had certainly passed at this host's
    /// `instant`; `nil` before any stamp was seen.
    public func earliestClusterTime(at instant: Date) -> Double? {
        offset.map { instant.timeIntervalSince1970 + $0 }
    }
}
