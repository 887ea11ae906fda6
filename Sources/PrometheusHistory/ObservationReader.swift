import Exposition
import Foundation
import History
import Metering

/// Reads the per-image series of a period chunk by chunk and folds them into ``ObservedImage`` runs.
///
/// The three byte gauges, the watchers and `rbd_image_info` (for the image id and its Kubernetes
/// identity) come from one scrape, so at each point of the grid an image has all of them or none.
/// `rbd_meter_up` tells when each exporter was answering: its points are the scans' counterpart.
struct ObservationReader {
    let client: PrometheusClient
    /// Exact label values every series must have besides the endpoint's selector (one image's history).
    var labels: [(String, String)] = []
    var samplesPerQuery = QueryPlan.defaultSamplesPerQuery

    /// The families read per point, each with the field of ``ChunkTable/Values`` it fills.
    static var valueFamilies: [(MetricFamily, WritableKeyPath<ChunkTable.Values, Double>)] {
        [
            (MetricCatalog.imageProvisionedBytes, \.provisionedBytes), (MetricCatalog.imageUsedBytes, \.usedBytes),
            (MetricCatalog.imageTotalUsedBytes, \.totalUsedBytes), (MetricCatalog.imageWatchers, \.watchers),
        ]
    }

    func read(from: Double, until: Double) async throws -> Observations {
        let endpoint = client.endpoint
        let counted = MetricCatalog.imageTotalUsedBytes.name
        var series = 0.0
        for time in [from, until] {
            let answer = try await client.instant("count(\(endpoint.selector(counted, labels)))", at: time)
            series = max(series, answer.first?.samples.first?.value ?? 0)
        }
        let plan = QueryPlan(from: from, until: until, series: Int(series), samplesPerQuery: samplesPerQuery)
        let policy = ObservationPolicy(grid: plan.step)
        var folder = RunFolder(policy: policy, url: endpoint.url)
        for chunk in plan.chunks {
            var table = ChunkTable(start: chunk.lowerBound, step: plan.step, count: Int(((chunk.upperBound - chunk.lowerBound) / plan.step).rounded()) + 1)
            for (family, value) in Self.valueFamilies {
                let result = try await client.range(endpoint.selector(family.name, labels), start: chunk.lowerBound, end: chunk.upperBound, step: plan.step)
                try table.add(result, family: family, value: value, url: endpoint.url)
            }
            let info = MetricCatalog.imageInfo
            try table.add(
                try await client.range(endpoint.selector(info.name, labels), start: chunk.lowerBound, end: chunk.upperBound, step: plan.step),
                family: info, value: nil, url: endpoint.url)
            try folder.fold(table)
            let up = MetricCatalog.up
            for exporter in try await client.range("\(endpoint.selector(up.name)) == 1", start: chunk.lowerBound, end: chunk.upperBound, step: plan.step) {
                folder.exporterTimes[ChunkTable.exporter(of: exporter.metric, family: up), default: []] += exporter.samples.map(\.time)
            }
        }
        return Observations(images: folder.images, exporterTimes: folder.exporterTimes, policy: policy)
    }
}
