import Foundation

/// How long the history takes an image's numbers to hold after a scan saw them: the one rule behind
/// samples, coverage for chargeback and the values charts show.
///
/// Scans see an image only at their own moments. Between two scans its numbers are taken to hold for
/// as long as scans come at their usual pace; a longer silence (the exporter was down) is a gap, and
/// no report fills a gap with invented numbers.
public struct ObservationPolicy: Sendable, Equatable {
    /// The usual time between scans: the median of the gaps between the scans it was made from;
    /// `nil` with fewer than two scans.
    public var typicalInterval: TimeInterval?

    /// How many recent scans the usual pace is taken from: enough to ride out one odd gap.
    public static let recentScans = 11
    /// How far back those scans are looked for: intervals go up to a week.
    public static let lookBack: TimeInterval = 30 * .day
    /// A silence longer than this many usual intervals is a gap in the history.
    public static let gapFactor: Double = 3

    /// The policy of the scans that ended at `scanTimes` (in any order).
    public init(scanTimes: [Double]) {
        let sorted = scanTimes.sorted()
        let gaps = zip(sorted, sorted.dropFirst()).map { $1 - $0 }.sorted()
        typicalInterval = gaps.isEmpty ? nil : gaps[gaps.count / 2]
    }

    /// How long after a scan its numbers still count as observed: one usual interval (none while
    /// the pace is unknown).
    public var observedAfterScan: TimeInterval { typicalInterval ?? 0 }

    /// Whether two observations `gap` seconds apart belong to one unbroken stretch of the history.
    public func isUnbroken(gap: TimeInterval) -> Bool {
        guard let typicalInterval else { return true }
        return gap <= Self.gapFactor * typicalInterval
    }
}
