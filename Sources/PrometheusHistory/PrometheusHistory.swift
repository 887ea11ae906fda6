import Exposition
import Foundation
import History
import Metering

/// The history as Prometheus (or a store behind its HTTP API) holds it: the `rbd_image_*` series of
/// every exporter that the endpoint's selector matches, so that one report spans every shard.
///
/// The numbers mean what they mean from SQLite: the series are read at a step chosen from the
/// period, runs of unchanged numbers become samples, a missing point is a gap, and `rbd_meter_up`
/// plays the part of the scans. A point stands for the step after it (as a sample stands for one
/// scan interval after its last scan), so chargeback from Prometheus agrees with SQLite's to within
/// one step or one scan interval, whichever is longer, at each end of each observed stretch.
public struct PrometheusHistory: HistorySource {
    public let endpoint: PrometheusEndpoint
    /// Samples one query may return; smaller in tests, to read a period in many chunks.
    var samplesPerQuery = QueryPlan.defaultSamplesPerQuery

    public init(endpoint: PrometheusEndpoint) {
        self.endpoint = endpoint
    }

    public var sourceName: String { endpoint.description }

    public func extract(from: Date, until: Date) async throws -> HistoryExtract {
        let start = from.timeIntervalSince1970
        let end = until.timeIntervalSince1970
        return try await PrometheusClient.with(endpoint) { client in
            let observed = try await ObservationReader(client: client, samplesPerQuery: samplesPerQuery).read(from: start, until: end)
            let timelines = observed.exporterTimes.mapValues { ScanTimeline(scanTimes: $0) }
            var extract = HistoryExtract(images: [:], points: [:], timelines: [:], lastScan: timelines.values.compactMap(\.lastScan).max())
            for (offset, image) in observed.images.enumerated() {
                let ref = Int64(offset + 1)
                extract.images[ref] = Self.record(image, ref: ref)
                extract.points[ref] = image.runs.flatMap { run in
                    Set([run.first, run.last]).sorted().map {
                        SeriesPoint(
                            time: $0, provisionedBytes: run.provisionedBytes, usedBytes: run.usedBytes, totalUsedBytes: run.totalUsedBytes,
                            continuesToNext: $0 < run.last)
                    }
                }
                guard let timeline = timelines[image.exporter] else {
                    throw PrometheusError.malformed(url: endpoint.url, reason: "rbd_meter_up is missing for the exporter {\(image.exporter)}: "
                        + "it tells when the exporter was answering, so keep it in the scrape, and select exporters by their own labels "
                        + "(job, instance, cluster), which rbd_meter_up has too, not images by pool")
                }
                extract.timelines[ref] = timeline
                if let run = image.runs.last {
                    extract.latest[ref] = UnchangedStretch(since: run.first, watchers: run.watchers.map { Int64($0) }, totalUsedBytes: run.totalUsedBytes)
                }
            }
            if let last = extract.lastScan { extract.trash = try await trash(client, at: last) }
            return extract
        }
    }

    public func coverage(from: Date, until: Date) async throws -> HistoryCoverage {
        let start = from.timeIntervalSince1970
        let end = until.timeIntervalSince1970
        return try await PrometheusClient.with(endpoint) { client in
            let observed = try await ObservationReader(client: client, samplesPerQuery: samplesPerQuery).read(from: start, until: end)
            var coverage = HistoryCoverage(images: [:], spans: [:])
            for (offset, image) in observed.images.enumerated() {
                let ref = Int64(offset + 1)
                coverage.images[ref] = Self.record(image, ref: ref)
                coverage.spans[ref] = image.runs.enumerated().compactMap { index, run in
                    var to = min(run.last + observed.policy.observedAfterScan, end)
                    if index + 1 < image.runs.count { to = min(to, image.runs[index + 1].first) }
                    guard to > run.first else { return nil }
                    return CoveredSpan(
                        from: run.first, to: to, observedUntil: run.last, provisionedBytes: run.provisionedBytes, usedBytes: run.usedBytes, totalUsedBytes: run.totalUsedBytes)
                }
            }
            return coverage
        }
    }

    public func history(of location: ImageLocation, since: Date, until: Date) async throws -> [HistoryPoint] {
        let labels = [("pool", location.pool), ("namespace", location.namespace), ("image", location.image)]
        return try await PrometheusClient.with(endpoint) { client in
            let observed = try await ObservationReader(client: client, labels: labels, samplesPerQuery: samplesPerQuery)
                .read(from: since.timeIntervalSince1970, until: until.timeIntervalSince1970)
            return observed.images.flatMap { image in
                image.runs.map { run in
                    HistoryPoint(
                        resolution: .raw, from: run.first, to: run.last, imageID: image.imageID, provisionedBytes: Int64(run.provisionedBytes),
                        usedBytes: run.usedBytes, totalUsedBytes: run.totalUsedBytes, usedMaximum: Int64(run.usedBytes),
                        totalUsedMaximum: Int64(run.totalUsedBytes))
                }
            }.sorted { $0.from < $1.from }
        }
    }

    static func record(_ image: ObservedImage, ref: Int64) -> ImageRecord {
        var record = ImageRecord(id: ref, pool: image.pool, namespace: image.namespace, name: image.name, imageID: image.imageID)
        record.identity = image.identity
        return record
    }

    /// The RBD trash at `time`, as the exporters' latest scans found it.
    func trash(_ client: PrometheusClient, at time: Double) async throws -> [TrashRecord] {
        // By pool, namespace, name and id: the id tells apart images trashed under one name.
        struct Key: Hashable, Comparable {
            var pool, namespace, image, id: String
            init(_ series: PrometheusResponse.Series) {
                (pool, namespace, image, id) = (series.metric["pool"] ?? "", series.metric["namespace"] ?? "", series.metric["image"] ?? "", series.metric["id"] ?? "")
            }
            static func < (lhs: Key, rhs: Key) -> Bool { (lhs.pool, lhs.namespace, lhs.image, lhs.id) < (rhs.pool, rhs.namespace, rhs.image, rhs.id) }
        }
        struct Numbers {
            var provisioned = 0.0, used = 0.0, total = 0.0, deletedAt = 0.0, defermentEndAt = 0.0
        }
        let families: [(MetricFamily, WritableKeyPath<Numbers, Double>)] = [
            (MetricCatalog.trashImageProvisionedBytes, \.provisioned), (MetricCatalog.trashImageUsedBytes, \.used),
            (MetricCatalog.trashImageTotalUsedBytes, \.total), (MetricCatalog.trashImageDeletedTimestampSeconds, \.deletedAt),
            (MetricCatalog.trashImageDefermentEndTimestampSeconds, \.defermentEndAt),
        ]
        var values: [Key: Numbers] = [:]
        var sources: [Key: String] = [:]
        for (family, field) in families {
            for series in try await client.instant(endpoint.selector(family.name), at: time) {
                values[Key(series), default: Numbers()][keyPath: field] = series.samples.first?.value ?? 0
            }
        }
        for series in try await client.instant(endpoint.selector(MetricCatalog.trashImageInfo.name), at: time) {
            sources[Key(series)] = series.metric["source"] ?? ""
        }
        return values.keys.sorted().map { key in
            let numbers = values[key]!
            return TrashRecord(
                id: nil, scanID: 0, at: time, pool: key.pool, namespace: key.namespace, name: key.image, imageID: key.id, source: sources[key] ?? "",
                deletedAt: numbers.deletedAt, defermentEndAt: numbers.defermentEndAt, provisionedBytes: Int64(numbers.provisioned),
                usedBytes: Int64(numbers.used), totalUsedBytes: Int64(numbers.total))
        }
    }
}
