import Exposition

/// `rbd_*_growth_bytes_per_day` and `rbd_*_predicted_full_timestamp_seconds`.
public struct ForecastCollector: MetricsCollector {
    public var forecasts: [Forecast]

    public init(forecasts: [Forecast]) {
        self.forecasts = forecasts
    }

    public func collect(into writer: inout MetricsWriter) {
        typealias Catalog = MetricCatalog
        let levels: [(growth: MetricFamily, full: MetricFamily, labels: (Forecast.Subject) -> [String]?)] = [
            (Catalog.imageGrowthBytesPerDay, Catalog.imagePredictedFullTimestampSeconds, {
                if case .image(let pool, let namespace, let image) = $0 { return [pool, namespace, image] } else { return nil }
            }),
            (Catalog.namespaceGrowthBytesPerDay, Catalog.namespacePredictedFullTimestampSeconds, {
                if case .namespace(let pool, let namespace) = $0 { return [pool, namespace] } else { return nil }
            }),
            (Catalog.poolGrowthBytesPerDay, Catalog.poolPredictedFullTimestampSeconds, {
                if case .pool(let pool) = $0 { return [pool] } else { return nil }
            }),
        ]
        for level in levels {
            let rows = forecasts.compactMap { forecast in level.labels(forecast.subject).map { (forecast, $0) } }
            writer.family(level.growth)
            for (forecast, labels) in rows { writer.sample(level.growth, labels, forecast.growthPerDay.rounded()) }
            writer.family(level.full)
            for (forecast, labels) in rows {
                for limit in Forecast.Limit.allCases {
                    if let time = forecast.fullAt[limit] { writer.sample(level.full, labels + [limit.rawValue], time.rounded()) }
                }
            }
        }
    }
}
