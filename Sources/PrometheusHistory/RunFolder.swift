import Foundation
import History
import Metering

/// Folds chunk after chunk of points into runs of unchanged numbers per image incarnation.
struct RunFolder {
    /// A missing point is a gap, as a missing scan is in SQLite.
    let policy: ObservationPolicy
    let url: String
    /// Incarnations by name and then by image id, in the order first seen.
    private var tracks: [ImageLocation: [String: Int]] = [:]
    private(set) var images: [ObservedImage] = []
    var exporterTimes: [String: [Double]] = [:]

    init(policy: ObservationPolicy, url: String) {
        self.policy = policy
        self.url = url
    }

    mutating func fold(_ table: ChunkTable) throws {
        for (key, row) in table.cells {
            for (index, cell) in row.enumerated() {
                let values = cell.values
                let (provisioned, used, total, watchers) = (values.provisionedBytes, values.usedBytes, values.totalUsedBytes, values.watchers)
                guard !provisioned.isNaN, !used.isNaN, !total.isNaN else {
                    guard cell.exporter < 0 || (provisioned.isNaN && used.isNaN && total.isNaN) else {
                        throw missing("rbd_image_provisioned_bytes, rbd_image_used_bytes and rbd_image_total_used_bytes", key, index, table)
                    }
                    continue
                }
                // The id tells a name's incarnations apart, and ceph-csi's metadata groups images:
                // a report cannot do without rbd_image_info (dropped by some relabelling rules).
                guard cell.info >= 0 else { throw missing("rbd_image_info", key, index, table) }
                let info = table.infos[Int(cell.info)]
                let time = table.start + Double(index) * table.step
                let run = ObservedImage.Run(
                    first: time, last: time, provisionedBytes: provisioned, usedBytes: used, totalUsedBytes: total,
                    watchers: watchers.isNaN ? nil : watchers)
                let imageID = info["id"] ?? ""
                let position: Int
                if let known = tracks[key]?[imageID] {
                    position = known
                } else {
                    position = images.count
                    tracks[key, default: [:]][imageID] = position
                    images.append(ObservedImage(
                        pool: key.pool, namespace: key.namespace, name: key.image, imageID: imageID, identity: KubernetesIdentity(), exporter: "", runs: []))
                }
                images[position].identity = KubernetesIdentity(
                    pv: info["pv"] ?? "", pvc: info["pvc"] ?? "", pvcNamespace: info["pvc_namespace"] ?? "",
                    volumeSnapshot: info["volumesnapshot"] ?? "", volumeSnapshotNamespace: info["volumesnapshot_namespace"] ?? "")
                images[position].exporter = table.exporters[Int(cell.exporter)]
                if let last = images[position].runs.last, last.hasSameNumbers(as: run), policy.isUnbroken(gap: time - last.last) {
                    images[position].runs[images[position].runs.count - 1].last = time
                } else {
                    images[position].runs.append(run)
                }
            }
        }
    }

    private func missing(_ what: String, _ key: ImageLocation, _ index: Int, _ table: ChunkTable) -> PrometheusError {
        .malformed(url: url, reason: "\(what) missing for \(key) at \(TimeSpecification.format(table.start + Double(index) * table.step)): "
            + "rbd-meter exports them together, so keep them all in the scrape")
    }
}
