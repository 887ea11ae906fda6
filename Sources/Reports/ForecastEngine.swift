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
    public func forecasts(history: HistoryStore, pools: [PoolState], rules: [QuotaRule], now: Date = Date()) async throws -> [Forecast] {
        let extract = try await history.extract(from: now.addingTimeInterval(-windowDays * 86400), until: now)
        return forecasts(extract: extract, pools: pools, rules: rules, now: now.timeIntervalSince1970)
    }

    func forecasts(extract: HistoryExtract, pools: [PoolState], rules: [QuotaRule], now: Double) -> [Forecast] {
        var byKey: [String: Int64] = [:]
        for (ref, record) in extract.images {
            byKey["\(record.pool)\u{0}\(record.namespace)\u{0}\(record.name)\u{0}\(record.imageID)"] = ref
        }
        let quotas = QuotaEvaluator.evaluate(rules.filter { $0.counted == .totalUsed }, pools: pools)
        func tightest(_ matches: (QuotaStatus) -> Bool) -> Double? {
            quotas.filter(matches).map { Double($0.rule.limitBytes) }.min()
        }

        var forecasts: [Forecast] = []
        var namespaceSums: [[String]: (Double, Double, Double, Double, Double)] = [:]
        var poolSums: [String: (Double, Double, Double, Double, Double)] = [:]
        for pool in pools {
            for image in pool.images {
                let ref = byKey["\(image.pool)\u{0}\(image.namespace)\u{0}\(image.image)\u{0}\(image.id)"]
                var points = ref.flatMap { extract.points[$0] } ?? []
                points.append(SeriesPoint(time: now, provisionedBytes: Double(image.provisionedBytes), usedBytes: Double(image.usedBytes), totalUsedBytes: Double(image.totalUsedBytes)))
                let (total, used) = slopes(points)
                var forecast = Forecast(
                    subject: .image(pool: image.pool, namespace: image.namespace, image: image.image),
                    growthPerDay: total, usedGrowthPerDay: used, totalUsedBytes: Double(image.totalUsedBytes),
                    usedBytes: Double(image.usedBytes), provisionedBytes: Double(image.provisionedBytes), fullAt: [:])
                forecast.fullAt[.provisioned] = Forecast.reach(forecast.provisionedBytes, from: forecast.usedBytes, perDay: used, now: now)
                if let limit = tightest({ $0.rule.scope == .image && $0.pool == image.pool && $0.namespace == image.namespace && $0.image == image.image }) {
                    forecast.fullAt[.quota] = Forecast.reach(limit, from: forecast.totalUsedBytes, perDay: total, now: now)
                }
                forecasts.append(forecast)
                for key in [[image.pool, image.namespace]] {
                    let sum = namespaceSums[key] ?? (0, 0, 0, 0, 0)
                    namespaceSums[key] = (sum.0 + total, sum.1 + used, sum.2 + forecast.totalUsedBytes, sum.3 + forecast.usedBytes, sum.4 + forecast.provisionedBytes)
                }
                let sum = poolSums[image.pool] ?? (0, 0, 0, 0, 0)
                poolSums[image.pool] = (sum.0 + total, sum.1 + used, sum.2 + forecast.totalUsedBytes, sum.3 + forecast.usedBytes, sum.4 + forecast.provisionedBytes)
            }
        }
        for key in namespaceSums.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let (total, used, totalBytes, usedBytes, provisioned) = namespaceSums[key]!
            var forecast = Forecast(
                subject: .namespace(pool: key[0], namespace: key[1]), growthPerDay: total, usedGrowthPerDay: used,
                totalUsedBytes: totalBytes, usedBytes: usedBytes, provisionedBytes: provisioned, fullAt: [:])
            forecast.fullAt[.provisioned] = Forecast.reach(provisioned, from: usedBytes, perDay: used, now: now)
            if let limit = tightest({ $0.rule.scope == .namespace && $0.pool == key[0] && $0.namespace == key[1] }) {
                forecast.fullAt[.quota] = Forecast.reach(limit, from: totalBytes, perDay: total, now: now)
            }
            forecasts.append(forecast)
        }
        for pool in pools {
            guard let (total, used, totalBytes, usedBytes, provisioned) = poolSums[pool.pool] else { continue }
            var forecast = Forecast(
                subject: .pool(pool.pool), growthPerDay: total, usedGrowthPerDay: used,
                totalUsedBytes: totalBytes, usedBytes: usedBytes, provisionedBytes: provisioned, fullAt: [:])
            forecast.fullAt[.provisioned] = Forecast.reach(provisioned, from: usedBytes, perDay: used, now: now)
            if let limit = tightest({ $0.rule.scope == .pool && $0.pool == pool.pool }) {
                forecast.fullAt[.quota] = Forecast.reach(limit, from: totalBytes, perDay: total, now: now)
            }
            if let capacity = pool.capacity, capacity.quotaBytes > 0 {
                forecast.fullAt[.cephQuota] = Forecast.reach(Double(capacity.quotaBytes), from: Double(capacity.storedBytes), perDay: total, now: now)
            }
            forecasts.append(forecast)
        }
        return forecasts
    }

    /// Bytes per day of total-used and used bytes; 0 where the points do not allow a fit.
    func slopes(_ points: [SeriesPoint]) -> (total: Double, used: Double) {
        guard points.count >= minimumPoints, let first = points.first?.time, let last = points.last?.time, last - first >= 3600 else {
            return (0, 0)
        }
        let total = LinearFit.fit(points.map { (x: $0.time, y: $0.totalUsedBytes) })?.slope ?? 0
        let used = LinearFit.fit(points.map { (x: $0.time, y: $0.usedBytes) })?.slope ?? 0
        return (total * 86400, used * 86400)
    }
}
