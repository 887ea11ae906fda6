import Foundation
import History
import Metering

/// Fits every image's history over a window and adds the fits up per namespace and pool.
public struct ForecastEngine: Sendable {
    /// How far back the fit looks.
    public var windowDays: Double
    /// Fits need at least this many points spanning at least an hour.
    public var minimumPoints: Int

    public init(windowDays: Double = 7, minimumPoints: Int = 3) {
        self.windowDays = windowDays
        self.minimumPoints = minimumPoints
    }

    /// Forecasts for the images in `pools` (the current numbers), from `history`.
    ///
    /// A namespace or pool grows by the sum of its images' slopes: a sum of straight lines is the
    /// straight line of the sum, and the images' own fits already ignored their outliers.
    public func forecasts(history: any HistorySource, pools: [PoolState], rules: [QuotaRule], now: Date = Date()) async throws -> [Forecast] {
        let extract = try await history.extract(from: now.addingTimeInterval(-windowDays * .day), until: now)
        return forecasts(extract: extract, pools: pools, rules: rules, now: now.timeIntervalSince1970)
    }

    /// Growth and bytes added up over a group of images.
    struct Totals {
        var growthPerDay = 0.0
        var usedGrowthPerDay = 0.0
        var totalUsedBytes = 0.0
        var usedBytes = 0.0
        var provisionedBytes = 0.0

        mutating func add(_ image: Forecast) {
            growthPerDay += image.growthPerDay
            usedGrowthPerDay += image.usedGrowthPerDay
            totalUsedBytes += image.totalUsedBytes
            usedBytes += image.usedBytes
            provisionedBytes += image.provisionedBytes
        }
    }

    /// A namespace, as the sums know it.
    struct NamespaceKey: Hashable, Comparable {
        var pool: String
        var namespace: String

        static func < (lhs: NamespaceKey, rhs: NamespaceKey) -> Bool { (lhs.pool, lhs.namespace) < (rhs.pool, rhs.namespace) }
    }

    func forecasts(extract: HistoryExtract, pools: [PoolState], rules: [QuotaRule], now: Double) -> [Forecast] {
        // An image metered by one shard and then another (the number of shards changed) has a record
        // in each: its fit takes the points of both.
        let history = Dictionary(extract.images.map { ($0.value.key, extract.points[$0.key] ?? []) }, uniquingKeysWith: +)
            .mapValues { $0.sorted { $0.time < $1.time } }
        let quotas = QuotaEvaluator.evaluate(rules.filter { $0.counted == .totalUsed }, pools: pools)
        func tightestQuota(_ scope: QuotaRule.Scope, pool: String, namespace: String = "", image: String = "") -> Double? {
            quotas.filter { quota in
                quota.rule.scope == scope && quota.pool == pool
                    && (scope == .pool || quota.namespace == namespace) && (scope != .image || quota.image == image)
            }.map { Double($0.rule.limitBytes) }.min()
        }

        var forecasts: [Forecast] = []
        var namespaces: [NamespaceKey: Totals] = [:]
        var poolTotals: [String: Totals] = [:]
        for pool in pools {
            for image in pool.images {
                let key = ImageRecord.Key(pool: image.pool, namespace: image.namespace, name: image.image, imageID: image.id)
                var points = history[key] ?? []
                points.append(SeriesPoint(time: now, provisionedBytes: Double(image.provisionedBytes), usedBytes: Double(image.usedBytes), totalUsedBytes: Double(image.totalUsedBytes)))
                let (total, used) = slopes(points)
                let totals = Totals(
                    growthPerDay: total, usedGrowthPerDay: used, totalUsedBytes: Double(image.totalUsedBytes),
                    usedBytes: Double(image.usedBytes), provisionedBytes: Double(image.provisionedBytes))
                let forecast = Self.forecast(
                    .image(pool: image.pool, namespace: image.namespace, image: image.image), totals,
                    quota: tightestQuota(.image, pool: image.pool, namespace: image.namespace, image: image.image), now: now)
                forecasts.append(forecast)
                namespaces[NamespaceKey(pool: image.pool, namespace: image.namespace), default: Totals()].add(forecast)
                poolTotals[image.pool, default: Totals()].add(forecast)
            }
        }
        for key in namespaces.keys.sorted() {
            forecasts.append(Self.forecast(
                .namespace(pool: key.pool, namespace: key.namespace), namespaces[key]!,
                quota: tightestQuota(.namespace, pool: key.pool, namespace: key.namespace), now: now))
        }
        for pool in pools {
            guard let totals = poolTotals[pool.pool] else { continue }
            let cephQuota = pool.capacity.flatMap { $0.quotaBytes > 0 ? $0 : nil }
            forecasts.append(Self.forecast(
                .pool(pool.pool), totals, quota: tightestQuota(.pool, pool: pool.pool), cephQuota: cephQuota, now: now))
        }
        return forecasts
    }

    /// A subject's forecast from its totals: when it reaches its provisioned size, its tightest quota
    /// rule and, for a pool, its Ceph quota (compared with what Ceph says the pool stores).
    static func forecast(_ subject: Forecast.Subject, _ totals: Totals, quota: Double?, cephQuota: PoolCapacity? = nil, now: Double) -> Forecast {
        var forecast = Forecast(
            subject: subject, growthPerDay: totals.growthPerDay, usedGrowthPerDay: totals.usedGrowthPerDay,
            totalUsedBytes: totals.totalUsedBytes, usedBytes: totals.usedBytes, provisionedBytes: totals.provisionedBytes, fullAt: [:])
        forecast.fullAt[.provisioned] = Forecast.reach(totals.provisionedBytes, from: totals.usedBytes, perDay: totals.usedGrowthPerDay, now: now)
        if let quota {
            forecast.fullAt[.quota] = Forecast.reach(quota, from: totals.totalUsedBytes, perDay: totals.growthPerDay, now: now)
        }
        if let cephQuota {
            forecast.fullAt[.cephQuota] = Forecast.reach(Double(cephQuota.quotaBytes), from: Double(cephQuota.storedBytes), perDay: totals.growthPerDay, now: now)
        }
        return forecast
    }

    /// Bytes per day of total-used and used bytes; 0 where the points do not allow a fit.
    func slopes(_ points: [SeriesPoint]) -> (total: Double, used: Double) {
        guard points.count >= minimumPoints, let first = points.first?.time, let last = points.last?.time, last - first >= .hour else {
            return (0, 0)
        }
        let total = LinearFit.fit(points.map { (x: $0.time, y: $0.totalUsedBytes) })?.slope ?? 0
        let used = LinearFit.fit(points.map { (x: $0.time, y: $0.usedBytes) })?.slope ?? 0
        return (total * .day, used * .day)
    }
}
