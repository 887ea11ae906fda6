import Exposition
import Foundation
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

    /// The families read per point, in the order of ``Cell/values``.
    static let valueFamilies = [
        MetricCatalog.imageProvisionedBytes, MetricCatalog.imageUsedBytes, MetricCatalog.imageTotalUsedBytes, MetricCatalog.imageWatchers,
    ]

    func read(from: Double, until: Double) async throws -> Observations {
        let endpoint = client.endpoint
        let counted = MetricCatalog.imageTotalUsedBytes.name
        var series = 0.0
        for time in [from, until] {
            let answer = try await client.instant("count(\(endpoint.selector(counted, labels)))", at: time)
            series = max(series, answer.first?.samples.first?.value ?? 0)
        }
        let plan = QueryPlan(from: from, until: until, series: Int(series), samplesPerQuery: samplesPerQuery)
        var folder = RunFolder(step: plan.step, url: endpoint.url)
        for chunk in plan.chunks {
            var table = ChunkTable(start: chunk.lowerBound, step: plan.step, count: Int(((chunk.upperBound - chunk.lowerBound) / plan.step).rounded()) + 1)
            for (index, family) in Self.valueFamilies.enumerated() {
                let result = try await client.range(endpoint.selector(family.name, labels), start: chunk.lowerBound, end: chunk.upperBound, step: plan.step)
                try table.add(result, family: family, value: index, url: endpoint.url)
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
        return Observations(images: folder.images, exporterTimes: folder.exporterTimes, step: plan.step)
    }
}

/// One chunk's points, image by image, on the chunk's grid.
struct ChunkTable {
    /// What an image had at one point of the grid.
    struct Cell {
        /// The index of the exporter in ``ChunkTable/exporters``; -1 before a series filled the cell.
        var exporter: Int32 = -1
        /// Provisioned, used and total-used bytes and watchers; NaN where no series had a sample.
        var values: (Double, Double, Double, Double) = (.nan, .nan, .nan, .nan)
        /// The index of the image's `rbd_image_info` labels in ``ChunkTable/infos``; -1 for none.
        var info: Int32 = -1
    }

    struct ImageKey: Hashable {
        var pool: String
        var namespace: String
        var image: String
    }

    let start: Double
    let step: Double
    let count: Int
    var cells: [ImageKey: [Cell]] = [:]
    var exporters: [String] = []
    var exporterIndex: [String: Int32] = [:]
    var infos: [[String: String]] = []

    init(start: Double, step: Double, count: Int) {
        self.start = start
        self.step = step
        self.count = count
    }

    /// The labels that tell the exporter apart: all but the metric name and the family's own.
    static func exporter(of labels: [String: String], family: MetricFamily) -> String {
        let own = Set(family.labels + ["__name__"])
        return labels.filter { !own.contains($0.key) }.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
    }

    /// Enters a family's series; `value` is its place in ``Cell/values``, `nil` for `rbd_image_info`.
    mutating func add(_ result: [PrometheusResponse.Series], family: MetricFamily, value: Int?, url: String) throws {
        for series in result {
            let key = ImageKey(pool: series.metric["pool"] ?? "", namespace: series.metric["namespace"] ?? "", image: series.metric["image"] ?? "")
            let exporter = Self.exporter(of: series.metric, family: family)
            let exporterID: Int32
            if let known = exporterIndex[exporter] {
                exporterID = known
            } else {
                exporterID = Int32(exporters.count)
                exporters.append(exporter)
                exporterIndex[exporter] = exporterID
            }
            var row = cells[key] ?? Array(repeating: Cell(), count: count)
            var infoID: Int32 = -1
            if value == nil {
                infoID = Int32(infos.count)
                infos.append(series.metric)
            }
            for sample in series.samples {
                let index = Int(((sample.time - start) / step).rounded())
                guard row.indices.contains(index) else { continue }
                if row[index].exporter >= 0 && row[index].exporter != exporterID {
                    throw PrometheusError.overlap(
                        url: url, image: ImageLocation(pool: key.pool, namespace: key.namespace, image: key.image).description,
                        exporters: [exporters[Int(row[index].exporter)], exporter], at: sample.time)
                }
                row[index].exporter = exporterID
                switch value {
                case 0: row[index].values.0 = sample.value
                case 1: row[index].values.1 = sample.value
                case 2: row[index].values.2 = sample.value
                case 3: row[index].values.3 = sample.value
                default: row[index].info = infoID
                }
            }
            cells[key] = row
        }
    }
}
