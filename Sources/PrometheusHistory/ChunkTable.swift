import Exposition
import Metering

/// One chunk's points, image by image, on the chunk's grid.
struct ChunkTable {
    /// What an image had at one point of the grid.
    struct Cell {
        /// The index of the exporter in ``ChunkTable/exporters``; -1 before a series filled the cell.
        var exporter: Int32 = -1
        /// The image's numbers; NaN where no series had a sample.
        var values = Values()
        /// The index of the image's `rbd_image_info` labels in ``ChunkTable/infos``; -1 for none.
        var info: Int32 = -1
    }

    /// What one image had at one point, one field per series family.
    struct Values {
        var provisionedBytes = Double.nan
        var usedBytes = Double.nan
        var totalUsedBytes = Double.nan
        var watchers = Double.nan
    }

    let start: Double
    let step: Double
    let count: Int
    var cells: [ImageLocation: [Cell]] = [:]
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

    /// Enters a family's series; `value` is the field of ``Cell/values`` they fill, `nil` for `rbd_image_info`.
    mutating func add(_ result: [PrometheusResponse.Series], family: MetricFamily, value: WritableKeyPath<Values, Double>?, url: String) throws {
        for series in result {
            let key = ImageLocation(pool: series.metric["pool"] ?? "", namespace: series.metric["namespace"] ?? "", image: series.metric["image"] ?? "")
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
                        url: url, image: key.description,
                        exporters: [exporters[Int(row[index].exporter)], exporter], at: sample.time)
                }
                row[index].exporter = exporterID
                if let value {
                    row[index].values[keyPath: value] = sample.value
                } else {
                    row[index].info = infoID
                }
            }
            cells[key] = row
        }
    }
}
