import Foundation
import History

/// What each group consumed over a period, for chargeback: bytes integrated over time.
public struct UsageLine: Sendable, Equatable {
    public var group: String
    public var from: Double
    public var until: Double
    /// GiB-hours of used, total-used (snapshots included) and provisioned bytes.
    public var usedGiBHours: Double
    public var totalUsedGiBHours: Double
    public var provisionedGiBHours: Double
    /// Hours of the period during which at least one of the group's images was observed.
    public var coveredHours: Double
    /// Hours of the period no observation covers: the exporter was down, or the group had no image.
    public var gapHours: Double { max((until - from) / .hour - coveredHours, 0) }
}

/// Integrates the history over a period, group by group. Only observed time counts: a gap in the
/// history is reported as a gap, never filled with invented numbers.
public enum UsageMetering {
    public static func lines(history: any HistorySource, from: Date, until: Date, by grouping: ReportGrouping) async throws -> [UsageLine] {
        let coverage = try await history.coverage(from: from, until: until)
        return lines(images: coverage.images, spans: coverage.spans, from: from.timeIntervalSince1970, until: until.timeIntervalSince1970, by: grouping)
    }

    static func lines(images: [Int64: ImageRecord], spans: [Int64: [CoveredSpan]], from: Double, until: Double, by grouping: ReportGrouping) -> [UsageLine] {
        var sums: [String: (used: Double, total: Double, provisioned: Double, covered: [Range<Double>])] = [:]
        for (ref, list) in spans {
            guard let record = images[ref] else { continue }
            let key = grouping.key(record)
            var sum = sums[key] ?? (0, 0, 0, [])
            for span in list {
                let hours = (span.to - span.from) / .hour
                sum.used += span.usedBytes * hours
                sum.total += span.totalUsedBytes * hours
                sum.provisioned += span.provisionedBytes * hours
                sum.covered.append(span.from..<span.to)
            }
            sums[key] = sum
        }
        let gib = Double(1 << 30)
        return sums.keys.sorted().map { key in
            let sum = sums[key]!
            return UsageLine(
                group: key, from: from, until: until, usedGiBHours: sum.used / gib, totalUsedGiBHours: sum.total / gib,
                provisionedGiBHours: sum.provisioned / gib, coveredHours: unionLength(sum.covered) / .hour)
        }
    }

    /// Length of the union of ranges.
    static func unionLength(_ ranges: [Range<Double>]) -> Double {
        var length = 0.0
        var current: Range<Double>?
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let open = current, range.lowerBound <= open.upperBound {
                current = open.lowerBound..<max(open.upperBound, range.upperBound)
            } else {
                if let open = current { length += open.upperBound - open.lowerBound }
                current = range
            }
        }
        if let open = current { length += open.upperBound - open.lowerBound }
        return length
    }
}
