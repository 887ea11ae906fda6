import Foundation
import GRDB

extension HistoryStore: HistorySource {
    /// How the hourly roll-ups are observed: one per hour while the exporter scanned.
    static let rollupGrid = ObservationPolicy(grid: .hour)

    public var sourceName: String { path }

    /// Reads the points of every image that overlap `from..<until`, with the newest sample of each
    /// and the current trash.
    public func extract(from: Date, until: Date) async throws -> HistoryExtract {
        let start = from.timeIntervalSince1970
        let end = until.timeIntervalSince1970
        return try await read { db in
            let images = try ImageRecord.all(in: db)
            var points: [Int64: [SeriesPoint]] = [:]
            var rawStart: [Int64: Double] = [:]
            for sample in try SampleRecord.overlapping(from: start, until: end, in: db) {
                rawStart[sample.imageRef] = min(rawStart[sample.imageRef] ?? .infinity, sample.firstAt)
                let values = (Double(sample.provisionedBytes), Double(sample.usedBytes), Double(sample.totalUsedBytes))
                let times = Set([max(sample.firstAt, start), min(sample.lastAt, end)]).sorted()
                for time in times {
                    points[sample.imageRef, default: []].append(SeriesPoint(
                        time: time, provisionedBytes: values.0, usedBytes: values.1, totalUsedBytes: values.2,
                        continuesToNext: time < times.last!))
                }
            }
            var rollupTimes: [Int64: Set<Double>] = [:]
            for rollup in try RollupRecord.rows(resolution: .hour, from: start, until: end, in: db)
            where rollup.bucketStart + .hour <= (rawStart[rollup.imageRef] ?? .infinity) && rollup.bucketStart >= start {
                rollupTimes[rollup.imageRef, default: []].insert(rollup.bucketStart + .hour / 2)
                points[rollup.imageRef, default: []].append(SeriesPoint(
                    time: rollup.bucketStart + .hour / 2, provisionedBytes: Double(rollup.provisionedMaximum),
                    usedBytes: rollup.usedAverage, totalUsedBytes: rollup.totalUsedAverage))
            }
            for key in points.keys {
                points[key]!.sort { $0.time < $1.time }
                // An hour's roll-up, placed at its middle, reaches the next hour's, or the raw samples
                // of the hour after it: roll-ups are a grid of hours.
                guard let rollups = rollupTimes[key] else { continue }
                for index in points[key]!.indices.dropLast() where rollups.contains(points[key]![index].time) {
                    points[key]![index].continuesToNext = Self.rollupGrid.isUnbroken(gap: points[key]![index + 1].time - points[key]![index].time)
                }
            }
            let scans = try ScanRecord.finished(from: start, until: end, in: db)
            let newest = try SampleRecord.latest(of: Array(images.keys), in: db).mapValues {
                UnchangedStretch(since: $0.firstAt, watchers: $0.watchers, totalUsedBytes: Double($0.totalUsedBytes))
            }
            return HistoryExtract(images: images, points: points, scanTimes: scans, latest: newest, trash: try TrashRecord.all(in: db))
        }
    }

    /// Spans of time each image was observed with constant numbers, within `from..<until`.
    ///
    /// A raw sample covers the scans that saw it and, after the last of them, the typical time
    /// between scans, unless the next sample starts sooner. Time the exporter did not observe (it
    /// was down, or the image did not exist) is covered by nothing: gaps stay gaps. Hours older than
    /// the raw samples contribute their roll-up, over the seconds it covered.
    public func coverage(from: Date, until: Date) async throws -> HistoryCoverage {
        let start = from.timeIntervalSince1970
        let end = until.timeIntervalSince1970
        return try await read { db in
            let images = try ImageRecord.all(in: db)
            let policy = try ObservationPolicy.before(end, in: db)
            let typical = policy.observedAfterScan
            var spans: [Int64: [CoveredSpan]] = [:]
            var rawStart: [Int64: Double] = [:]
            let samples = try SampleRecord.overlapping(from: start - typical, until: end, in: db)
            let byImage = Dictionary(grouping: samples, by: \.imageRef)
            for (ref, list) in byImage {
                let sorted = list.sorted { $0.firstAt < $1.firstAt }
                rawStart[ref] = sorted.first?.firstAt
                for (index, sample) in sorted.enumerated() {
                    var to = sample.lastAt + typical
                    if index + 1 < sorted.count { to = min(to, sorted[index + 1].firstAt) }
                    let clipped = (max(sample.firstAt, start), min(to, end))
                    guard clipped.1 > clipped.0 else { continue }
                    spans[ref, default: []].append(CoveredSpan(
                        from: clipped.0, to: clipped.1, observedUntil: sample.lastAt, provisionedBytes: Double(sample.provisionedBytes),
                        usedBytes: Double(sample.usedBytes), totalUsedBytes: Double(sample.totalUsedBytes)))
                }
            }
            for rollup in try RollupRecord.rows(resolution: .hour, from: start, until: end, in: db)
            where rollup.bucketStart + .hour <= (rawStart[rollup.imageRef] ?? .infinity) && rollup.bucketStart >= start && rollup.bucketStart + .hour <= end {
                // The hour's covered seconds, placed at its start: enough for sums and gap totals.
                spans[rollup.imageRef, default: []].append(CoveredSpan(
                    from: rollup.bucketStart, to: rollup.bucketStart + min(rollup.coveredSeconds, .hour),
                    provisionedBytes: Double(rollup.provisionedMaximum), usedBytes: rollup.usedAverage, totalUsedBytes: rollup.totalUsedAverage))
            }
            return HistoryCoverage(images: images, spans: spans)
        }
    }
}
