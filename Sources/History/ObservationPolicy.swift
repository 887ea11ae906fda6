import Foundation

/// How long the history takes an image's numbers to hold after a scan saw them: the one rule behind
/// samples, coverage for chargeback and the values charts show.
///
/// Scans see an image only at their own moments. Between two scans its numbers are taken to hold for
/// as long as scans come at their usual pace; a longer silence (the exporter was down) is a gap, and
/// no report fills a gap with invented numbers.
public struct ObservationPolicy: Sendable, Equatable {
    /// The usual time between observations: the median of the gaps between the recent scans it was
    /// made from, or a grid's step; `nil` with fewer than two scans.
    public var typicalInterval: TimeInterval?
    /// A silence longer than this many usual intervals is a gap in the history.
    public var gapFactor: Double

    /// How many recent scans the usual pace is taken from: enough to ride out one odd gap.
    public static let recentScans = 11
    /// How far back those scans are looked for: intervals go up to a week.
    public static let lookBack: TimeInterval = 30 * .day
    /// Scans come at their own moments, with jitter, and one may fail: a silence is a gap only
    /// past this many usual intervals.
    public static let scanGapFactor: Double = 3
    /// On a grid every point is there while the exporter observed (Prometheus' look-back already
    /// bridges a missed scrape): one missing point is a gap.
    public static let gridGapFactor: Double = 1.5

    /// The pace of the scans that ended at `scanTimes` (in any order): the median gap between the
    /// latest ``recentScans`` of them.
    public init(scanTimes: [Double]) {
        let recent = scanTimes.sorted().suffix(Self.recentScans)
        let gaps = zip(recent, recent.dropFirst()).map { $1 - $0 }.sorted()
        typicalInterval = gaps.isEmpty ? nil : gaps[gaps.count / 2]
        gapFactor = Self.scanGapFactor
    }

    /// Points on a regular grid `step` apart, each standing for the step after it: a range query's
    /// points, hourly roll-ups.
    public init(grid step: TimeInterval) {
        typicalInterval = step
        gapFactor = Self.gridGapFactor
    }

    /// How long after a scan its numbers still count as observed: one usual interval (none while
    /// the pace is unknown).
    public var observedAfterScan: TimeInterval { typicalInterval ?? 0 }

    /// Whether two observations `gap` seconds apart belong to one unbroken stretch of the history.
    public func isUnbroken(gap: TimeInterval) -> Bool {
        guard let typicalInterval else { return true }
        return gap <= gapFactor * typicalInterval
    }
}
