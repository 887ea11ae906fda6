import Foundation
import History
import Metering

/// What `rbd-meter report` shows: current usage by group, growth, days to full, top growers,
/// images over quota, and usage over time for the charts.
public struct CapacityReport: Sendable {
    public struct GroupRow: Sendable {
        public var group: String
        public var images: Int
        public var provisionedBytes: Double
        public var usedBytes: Double
        public var totalUsedBytes: Double
        public var growthPerDay: Double
        public var daysToFull: Double?
    }

    /// An image nobody had open whose numbers did not change for at least the idle time.
    public struct IdleImage: Sendable {
        public var image: String
        public var totalUsedBytes: Double
        /// Since when its numbers and watchers are unchanged, in seconds since the epoch.
        public var unchangedSince: Double
    }

    public struct Series: Sendable {
        public var name: String
        /// (seconds since the epoch, total-used bytes); `nil` where nothing was observed.
        public var points: [(Double, Double?)]
    }

    public var generatedAt: Date
    public var since: Date
    public var grouping: ReportGrouping
    public var groups: [GroupRow]
    /// Images by growth per day, fastest first.
    public var topGrowers: [Forecast]
    /// Quota statuses at warning or critical.
    public var overQuota: [QuotaStatus]
    /// Total-used bytes over time per pool, and of the largest images.
    public var poolSeries: [Series]
    public var topImageSeries: [Series]
    /// What the images in the RBD trash use with their snapshots, as the latest complete scans found it.
    public var trashBytes: Double = 0
    public var trashImages: Int = 0
    /// Images idle for at least ``idleDays``, largest first.
    public var idleImages: [IdleImage] = []
    public var idleDays: Double = 0

    /// Days an idle image has been unchanged when the report was made.
    public func daysIdle(_ image: IdleImage) -> Double {
        (generatedAt.timeIntervalSince1970 - image.unchangedSince) / .day
    }

    /// Builds the report from the history: the latest numbers of the images their exporter's latest
    /// scan saw, fits over `since...now`, and the quota rules.
    public static func build(
        history: any HistorySource, since: Date, now: Date = Date(), grouping: ReportGrouping, rules: [QuotaRule],
        engine: ForecastEngine = ForecastEngine(), chartPoints: Int = 120, idleDays: Double = 30
    ) async throws -> CapacityReport {
        let extract = try await history.extract(from: since, until: now)
        let lastScan = extract.lastScan ?? -.infinity
        // The images their exporter's latest scan saw, with their latest numbers, as pools of a
        // snapshot. Each shard has its own latest scan: one that scanned a moment before another
        // still shows all its images. A shard whose scans stopped long before the others' (the
        // database of a shard that no longer runs) is history, not the present.
        var current: [String: (ref: Int64, usage: ImageUsage, time: Double)] = [:]
        for (ref, record) in extract.images {
            guard let last = extract.points[ref]?.last, let timeline = extract.timelines[ref], let seen = timeline.lastScan,
                  last.time >= seen - 1, timeline.policy.isUnbroken(gap: lastScan - seen)
            else { continue }
            let usage = ImageUsage(
                pool: record.pool, namespace: record.namespace, image: record.name, id: record.imageID,
                provisionedBytes: UInt64(max(last.provisionedBytes, 0)), usedBytes: UInt64(max(last.usedBytes, 0)),
                totalUsedBytes: UInt64(max(last.totalUsedBytes, 0)), snapshots: 0,
                kubernetes: record.identity)
            // Of two shards that both saw the image lately (one took it over), the later is current.
            if let other = current[usage.spec], other.time >= last.time { continue }
            current[usage.spec] = (ref, usage, last.time)
        }
        let images = current.values.map(\.usage)
        let refs = current.mapValues(\.ref)
        let pools = Dictionary(grouping: images, by: \.pool).map { pool, images in
            PoolState(pool: pool, images: images.sorted { ($0.namespace, $0.image) < ($1.namespace, $1.image) },
                      namespaces: Array(Set(images.map(\.namespace))).sorted())
        }.sorted { $0.pool < $1.pool }
        let forecasts = engine.forecasts(extract: extract, pools: pools, rules: rules, now: lastScan.isFinite ? lastScan : now.timeIntervalSince1970)
        let imageForecasts = Dictionary(uniqueKeysWithValues: forecasts.compactMap { forecast -> (String, Forecast)? in
            guard case .image(let pool, let namespace, let image) = forecast.subject else { return nil }
            return (ImageLocation(pool: pool, namespace: namespace, image: image).description, forecast)
        })

        var groups: [String: GroupRow] = [:]
        for image in images {
            let key = grouping.key(pool: image.pool, namespace: image.namespace, image: image.image, kubernetes: image.kubernetes)
            var row = groups[key] ?? GroupRow(group: key, images: 0, provisionedBytes: 0, usedBytes: 0, totalUsedBytes: 0, growthPerDay: 0, daysToFull: nil)
            row.images += 1
            row.provisionedBytes += Double(image.provisionedBytes)
            row.usedBytes += Double(image.usedBytes)
            row.totalUsedBytes += Double(image.totalUsedBytes)
            if let forecast = imageForecasts[image.spec] {
                row.growthPerDay += forecast.growthPerDay
                if let days = forecast.daysToFull(now: now.timeIntervalSince1970) {
                    row.daysToFull = min(row.daysToFull ?? .infinity, days)
                }
            }
            groups[key] = row
        }

        let times = (0..<chartPoints).map { since.timeIntervalSince1970 + (now.timeIntervalSince(since)) * Double($0) / Double(max(chartPoints - 1, 1)) }
        func series(of refs: [Int64]) -> [(Double, Double?)] {
            times.map { time in
                let values = refs.compactMap { ref in
                    extract.timelines[ref].flatMap { value(of: extract.points[ref] ?? [], at: time, policy: $0.policy) }
                }
                return (time, values.isEmpty ? nil : values.reduce(0, +))
            }
        }
        let byPool = Dictionary(grouping: extract.images.keys, by: { extract.images[$0]!.pool })
        let poolSeries = byPool.keys.sorted().map { Series(name: $0, points: series(of: byPool[$0]!)) }
        let largest = images.sorted { $0.totalUsedBytes > $1.totalUsedBytes }.prefix(5)
        let topImageSeries = largest.compactMap { image in refs[image.spec].map { Series(name: image.spec, points: series(of: [$0])) } }

        var report = CapacityReport(
            generatedAt: now, since: since, grouping: grouping,
            groups: groups.values.sorted { ($0.totalUsedBytes, $1.group) > ($1.totalUsedBytes, $0.group) },
            // Equal growth in name order, so that the same history gives the same list whatever its source.
            topGrowers: Array(imageForecasts.values.filter { $0.growthPerDay > 0 }
                .sorted { ($0.growthPerDay, $1.subjectName) > ($1.growthPerDay, $0.subjectName) }.prefix(10)),
            overQuota: QuotaEvaluator.evaluate(rules, pools: pools).filter { $0.level != .ok }.sorted { $0.ratio > $1.ratio },
            poolSeries: poolSeries, topImageSeries: Array(topImageSeries))
        report.trashBytes = extract.trash.reduce(0) { $0 + Double($1.totalUsedBytes) }
        report.trashImages = extract.trash.count
        report.idleDays = idleDays
        report.idleImages = idle(refs: refs, latest: extract.latest, before: (lastScan.isFinite ? lastScan : now.timeIntervalSince1970) - idleDays * .day)
        return report
    }

    /// Images of the latest scan whose newest unchanged stretch had no watchers and began before `cutoff`.
    ///
    /// A stretch begins again when numbers or watchers change, and after a gap in the scans, so the
    /// time it spans is a lower bound of the idle time. Stretches from before watchers were recorded
    /// never count as idle.
    static func idle(refs: [String: Int64], latest: [Int64: UnchangedStretch], before cutoff: Double) -> [IdleImage] {
        refs.compactMap { spec, ref -> IdleImage? in
            guard let stretch = latest[ref], stretch.watchers == 0, stretch.since <= cutoff else { return nil }
            return IdleImage(image: spec, totalUsedBytes: stretch.totalUsedBytes, unchangedSince: stretch.since)
        }.sorted { ($0.totalUsedBytes, $1.image) > ($1.totalUsedBytes, $0.image) }
    }

    /// The value an image had at `time`: its latest point at or before it, while the image was
    /// observed: within a run of unchanged scans, or until the scans' silence after a point becomes
    /// a gap. No gap is filled, at the end of a history or in its middle.
    static func value(of points: [SeriesPoint], at time: Double, policy: ObservationPolicy) -> Double? {
        guard let index = points.lastIndex(where: { $0.time <= time }) else { return nil }
        let point = points[index]
        guard (point.continuesToNext && index + 1 < points.count) || policy.isUnbroken(gap: time - point.time) else { return nil }
        return point.totalUsedBytes
    }
}
