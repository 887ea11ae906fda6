import Metering

extension SnapshotCollector {
    /// The trash: trashed images one by one (in pools exported per image), then namespace and pool sums.
    /// They have names of their own, so that no live sum and no `sum(rbd_image_...)` ever counts them.
    func writeTrash(_ pools: [PoolState], into writer: inout MetricsWriter) {
        let perImage = pools.filter { settings.perImagePools.matches($0.pool) }.flatMap(\.trash)
        let gauges: [(MetricFamily, (TrashUsage) -> UInt64)] = [
            (Catalog.trashImageProvisionedBytes, \.usage.provisionedBytes),
            (Catalog.trashImageUsedBytes, \.usage.usedBytes),
            (Catalog.trashImageTotalUsedBytes, \.usage.totalUsedBytes),
        ]
        func labels(_ trashed: TrashUsage) -> [String] {
            [trashed.usage.pool, trashed.usage.namespace, trashed.usage.image, trashed.usage.id]
        }
        for (family, value) in gauges {
            writer.family(family)
            for trashed in perImage { writer.sample(family, labels(trashed), value(trashed)) }
        }
        let timestamps: [(MetricFamily, (TrashUsage) -> Double)] = [
            (Catalog.trashImageDeletedTimestampSeconds, \.deletedAt),
            (Catalog.trashImageDefermentEndTimestampSeconds, \.defermentEndsAt),
        ]
        for (family, value) in timestamps {
            writer.family(family)
            for trashed in perImage { writer.sample(family, labels(trashed), value(trashed)) }
        }
        writer.family(Catalog.trashImageInfo)
        for trashed in perImage {
            writer.sample(Catalog.trashImageInfo, labels(trashed) + [trashed.source.rawValue] + trashed.usage.kubernetes.labelValues, 1 as UInt64)
        }

        let trashed = { (pool: PoolState) in pool.trash.map(\.usage) }
        write([
            (Catalog.namespaceTrashProvisionedBytes, \.provisioned),
            (Catalog.namespaceTrashUsedBytes, \.used),
            (Catalog.namespaceTrashTotalUsedBytes, \.totalUsed),
            (Catalog.namespaceTrashImages, \.images),
        ], rows: Totals.byNamespace(pools, of: trashed), into: &writer)
        write([
            (Catalog.poolTrashProvisionedBytes, \.provisioned),
            (Catalog.poolTrashUsedBytes, \.used),
            (Catalog.poolTrashTotalUsedBytes, \.totalUsed),
            (Catalog.poolTrashImages, \.images),
        ], rows: Totals.byPool(pools, of: trashed), into: &writer)
    }
}
