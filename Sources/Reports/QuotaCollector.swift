import Exposition
import Metering

/// `rbd_quota_*`: every quota rule of the config against the current snapshot.
public struct QuotaCollector: MetricsCollector {
    public var rules: [QuotaRule]
    public var pools: [PoolState]

    public init(rules: [QuotaRule], snapshot: MeterSnapshot) {
        self.rules = rules
        self.pools = snapshot.pools.keys.sorted().compactMap { snapshot.pools[$0] }
    }

    public func collect(into writer: inout MetricsWriter) {
        let statuses = QuotaEvaluator.evaluate(rules, pools: pools)
        func labels(_ status: QuotaStatus) -> [String] {
            [status.rule.name, status.rule.scope.rawValue, status.pool, status.namespace, status.image, status.pvcNamespace]
        }
        let byteFamilies: [(MetricFamily, (QuotaStatus) -> UInt64)] = [
            (MetricCatalog.quotaBytes, \.rule.limitBytes),
            (MetricCatalog.quotaUsedBytes, \.usedBytes),
        ]
        for (family, value) in byteFamilies {
            writer.family(family)
            for status in statuses { writer.sample(family, labels(status), value(status)) }
        }
        let ratioFamilies: [(MetricFamily, (QuotaStatus) -> Double)] = [
            (MetricCatalog.quotaUsedRatio, \.ratio),
            (MetricCatalog.quotaWarningRatio, \.rule.warningRatio),
            (MetricCatalog.quotaCriticalRatio, \.rule.criticalRatio),
        ]
        for (family, value) in ratioFamilies {
            writer.family(family)
            for status in statuses { writer.sample(family, labels(status), value(status)) }
        }
    }
}
