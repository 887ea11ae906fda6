import Metering

/// Renders a ``MeterSnapshot``: images, namespace and pool totals, what Ceph says of each pool, and how
/// the scans went.
public struct SnapshotCollector: MetricsCollector {
    public var snapshot: MeterSnapshot
    public var settings: ExpositionSettings

    public init(snapshot: MeterSnapshot, settings: ExpositionSettings) {
        self.snapshot = snapshot
        self.settings = settings
    }

    typealias Catalog = MetricCatalog

    public func collect(into writer: inout MetricsWriter) {
        let pools = snapshot.pools.keys.sorted().compactMap { snapshot.pools[$0] }
        writeImages(pools.filter { settings.perImagePools.matches($0.pool) }, into: &writer)
        writeNamespaces(pools, into: &writer)
        writePools(pools, into: &writer)
        writeTrash(pools, into: &writer)
        writeExporter(pools, into: &writer)
    }

    private func writeImages(_ pools: [PoolState], into writer: inout MetricsWriter) {
        let images = pools.lazy.flatMap(\.images)
        let gauges: [(MetricFamily, (ImageUsage) -> UInt64)] = [
            (Catalog.imageProvisionedBytes, \.provisionedBytes),
            (Catalog.imageUsedBytes, \.usedBytes),
            (Catalog.imageTotalUsedBytes, \.totalUsedBytes),
            (Catalog.imageSnapshots, { UInt64($0.snapshots) }),
            (Catalog.imageWatchers, { UInt64($0.watchers) }),
        ]
        for (family, value) in gauges {
            writer.family(family)
            for image in images {
                writer.sample(family, [image.pool, image.namespace, image.image], value(image))
            }
        }
        writer.family(Catalog.imageParentOverlapBytes)
        for image in images where !image.parent.isEmpty {
            writer.sample(Catalog.imageParentOverlapBytes, [image.pool, image.namespace, image.image], image.parentOverlapBytes)
        }
        let timestamps: [(MetricFamily, (ImageUsage) -> Double)] = [
            (Catalog.imageCreatedTimestampSeconds, \.createTimestamp),
            (Catalog.imageModifiedTimestampSeconds, \.modifyTimestamp),
            (Catalog.imageChangedTimestampSeconds, { $0.changedAt?.timeIntervalSince1970 ?? 0 }),
        ]
        for (family, value) in timestamps {
            writer.family(family)
            for image in images where value(image) > 0 {
                writer.sample(family, [image.pool, image.namespace, image.image], value(image))
            }
        }
        writer.family(Catalog.imageOrphanCandidate)
        for pool in pools {
            let candidates = OrphanCandidates(pool: pool.images)
            for image in pool.images {
                writer.sample(Catalog.imageOrphanCandidate, [image.pool, image.namespace, image.image], candidates.contains(image) ? 1 as UInt64 : 0)
            }
        }
        writer.family(Catalog.imageInfo)
        for image in images {
            writer.sample(Catalog.imageInfo, [
                image.pool, image.namespace, image.image, image.id, image.features.description, image.parent,
                image.method.rawValue, image.objectMapInvalid ? "true" : "false",
            ] + image.kubernetes.labelValues, 1 as UInt64)
        }
    }

    /// Sums over images, live or trashed.
    struct Totals {
        var provisioned: UInt64 = 0
        var used: UInt64 = 0
        var totalUsed: UInt64 = 0
        var images: UInt64 = 0
        var invalidObjectMaps: UInt64 = 0

        mutating func add(_ image: ImageUsage) {
            provisioned += image.provisionedBytes
            used += image.usedBytes
            totalUsed += image.totalUsedBytes
            images += 1
            if image.objectMapInvalid { invalidObjectMaps += 1 }
        }

        /// Labels (pool and namespace) and sums for every namespace of every pool, empty ones
        /// included, over the images `of` gives (live or trashed).
        static func byNamespace(_ pools: [PoolState], of images: (PoolState) -> [ImageUsage]) -> [(labels: [String], totals: Totals)] {
            pools.flatMap { pool in
                var byNamespace = Dictionary(uniqueKeysWithValues: pool.namespaces.map { ($0, Totals()) })
                for image in images(pool) { byNamespace[image.namespace, default: Totals()].add(image) }
                return byNamespace.keys.sorted().map { ([pool.pool, $0], byNamespace[$0]!) }
            }
        }

        /// Labels (the pool) and sums for every pool, over the images `of` gives.
        static func byPool(_ pools: [PoolState], of images: (PoolState) -> [ImageUsage]) -> [(labels: [String], totals: Totals)] {
            pools.map { pool in ([pool.pool], images(pool).reduce(into: Totals()) { $0.add($1) }) }
        }
    }

    /// Writes each family of `gauges` with one sample per row.
    func write(_ gauges: [(MetricFamily, (Totals) -> UInt64)], rows: [(labels: [String], totals: Totals)], into writer: inout MetricsWriter) {
        for (family, value) in gauges {
            writer.family(family)
            for row in rows { writer.sample(family, row.labels, value(row.totals)) }
        }
    }

    private func writeNamespaces(_ pools: [PoolState], into writer: inout MetricsWriter) {
        write([
            (Catalog.namespaceProvisionedBytes, \.provisioned),
            (Catalog.namespaceUsedBytes, \.used),
            (Catalog.namespaceTotalUsedBytes, \.totalUsed),
            (Catalog.namespaceImages, \.images),
        ], rows: Totals.byNamespace(pools, of: \.images), into: &writer)
    }

    private func writePools(_ pools: [PoolState], into writer: inout MetricsWriter) {
        write([
            (Catalog.poolProvisionedBytes, \.provisioned),
            (Catalog.poolUsedBytes, \.used),
            (Catalog.poolTotalUsedBytes, \.totalUsed),
            (Catalog.poolImages, \.images),
            (Catalog.poolInvalidObjectMaps, \.invalidObjectMaps),
        ], rows: Totals.byPool(pools, of: \.images), into: &writer)
        let capacities = pools.compactMap { pool in pool.capacity.map { (pool.pool, $0) } }
        let cephGauges: [(MetricFamily, (PoolCapacity) -> UInt64)] = [
            (Catalog.poolStoredBytes, \.storedBytes),
            (Catalog.poolObjects, \.objects),
            (Catalog.poolMaxAvailableBytes, \.maxAvailableBytes),
            (Catalog.poolQuotaBytes, \.quotaBytes),
            (Catalog.poolQuotaObjects, \.quotaObjects),
        ]
        for (family, value) in cephGauges {
            writer.family(family)
            for (pool, capacity) in capacities { writer.sample(family, [pool], value(capacity)) }
        }
    }

    private func writeExporter(_ pools: [PoolState], into writer: inout MetricsWriter) {
        writer.family(Catalog.up)
        writer.sample(Catalog.up, [], snapshot.up ? 1 as UInt64 : 0)

        writer.family(Catalog.scanDurationSeconds)
        for pool in pools { writer.sample(Catalog.scanDurationSeconds, [pool.pool], pool.scanDuration) }

        writer.family(Catalog.lastScanSuccessTimestampSeconds)
        if let last = snapshot.lastSuccessAt {
            writer.sample(Catalog.lastScanSuccessTimestampSeconds, [], last.timeIntervalSince1970)
        }
        writer.family(Catalog.poolLastScanSuccessTimestampSeconds)
        for pool in pools {
            if let last = pool.lastSuccessAt {
                writer.sample(Catalog.poolLastScanSuccessTimestampSeconds, [pool.pool], last.timeIntervalSince1970)
            }
        }
        writer.family(Catalog.poolStale)
        for pool in pools { writer.sample(Catalog.poolStale, [pool.pool], pool.stale ? 1 as UInt64 : 0) }

        for (family, counts) in [(Catalog.scanErrorsTotal, snapshot.scanErrors), (Catalog.imageScanErrorsTotal, snapshot.imageScanErrors)] {
            writer.family(family)
            for key in counts.keys.sorted() { writer.sample(family, [key.pool, key.reason.rawValue], counts[key]!) }
        }
        writer.family(Catalog.historyWriteErrorsTotal)
        writer.sample(Catalog.historyWriteErrorsTotal, [], snapshot.historyErrors)
        writer.family(Catalog.historyAvailable)
        writer.sample(Catalog.historyAvailable, [], snapshot.historyAvailable ? 1 as UInt64 : 0)
        writer.family(Catalog.historyWriteSeconds)
        if let seconds = snapshot.historyWriteSeconds {
            writer.sample(Catalog.historyWriteSeconds, [], seconds)
        }
        writer.family(Catalog.scansTotal)
        for outcome in ScanReport.Outcome.allCases {
            writer.sample(Catalog.scansTotal, [outcome.rawValue], snapshot.scans[outcome] ?? 0)
        }
        writer.family(Catalog.scansStartedTotal)
        writer.sample(Catalog.scansStartedTotal, [], snapshot.scansStarted)
        writer.family(Catalog.imagesReused)
        for pool in pools { writer.sample(Catalog.imagesReused, [pool.pool], UInt64(pool.reused)) }
        writer.family(Catalog.imagesOpened)
        for pool in pools { writer.sample(Catalog.imagesOpened, [pool.pool], UInt64(pool.opened)) }
        writer.family(Catalog.clusterReconnectsTotal)
        writer.sample(Catalog.clusterReconnectsTotal, [], snapshot.reconnects)
        writer.family(Catalog.clusterConnectionInfo)
        if let connection = snapshot.connection {
            writer.sample(Catalog.clusterConnectionInfo, [connection.client, connection.address], 1 as UInt64)
        }

        writer.family(Catalog.scanIntervalSeconds)
        writer.sample(Catalog.scanIntervalSeconds, [], settings.scanIntervalSeconds)
        writer.family(Catalog.shards)
        writer.sample(Catalog.shards, [String(settings.shard?.index ?? 0)], UInt64(settings.shard?.count ?? 1))
        writer.family(Catalog.buildInfo)
        writer.sample(Catalog.buildInfo, [settings.version], 1 as UInt64)
    }
}
