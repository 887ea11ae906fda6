import Foundation
import History
import Metering
import TestSupport

/// Six hours of two shards' scans, as both histories would hold them: each shard's SQLite file, and
/// the OpenMetrics text of what Prometheus would have scraped from the two exporters.
///
/// Scans run every ten minutes, scrapes every minute. Shard 1's exporter is down from hour 2 to hour
/// 4: it dies five minutes after its scan at hour 2 and scans again at hour 4.
struct ShardedFixture {
    static let scanInterval = 600.0
    static let scrapeInterval = 60.0
    static let gib = Double(1 << 30)
    static let shards = (0..<2).map { Shard(index: $0, count: 2)! }

    /// The first scan; within Prometheus' retention, so that the backfilled blocks are kept.
    let start: Double
    var end: Double { start + 6 * 3600 }

    init(now: Date = Date()) {
        start = ((now.timeIntervalSince1970 - 7 * 3600) / 60).rounded(.down) * 60
    }

    /// Whether shard `shard`'s exporter scans at `time`.
    func scans(_ shard: Int, at time: Double) -> Bool {
        shard == 0 || !(time > start + 2 * 3600 && time < start + 4 * 3600)
    }

    /// Whether shard `shard`'s exporter answers scrapes at `time`.
    func isUp(_ shard: Int, at time: Double) -> Bool {
        shard == 0 || !(time >= start + 2 * 3600 + 300 && time < start + 4 * 3600)
    }

    var scanTimes: [Double] { stride(from: start, through: end, by: Self.scanInterval).map { $0 } }

    /// Eight images in two pools; some grow, half belong to the `shop` tenant, odd ones are in use.
    func scan(at time: Double) -> [ImageUsage] {
        let hours = (time - start) / 3600
        func image(_ pool: String, _ number: Int) -> ImageUsage {
            let used = UInt64((Double(number) + hours * Double(number % 3) / 2) * Self.gib)
            return ImageUsage(
                pool: pool, namespace: "", image: "vol-\(number)", id: "id-\(pool)-\(number)", provisionedBytes: 50 << 30, usedBytes: used,
                totalUsedBytes: used + (number == 4 ? 1 << 28 : 0), snapshots: 0,
                kubernetes: KubernetesIdentity(pv: "pv-\(number)", pvc: "data-\(number)", pvcNamespace: number % 2 == 0 ? "shop" : "blog"),
                watchers: number % 2)
        }
        return (1...5).map { image("k8s", $0) } + (6...8).map { image("vm", $0) }
    }

    func images(of shard: Int, at time: Double) -> [ImageUsage] {
        scan(at: time).filter { Self.shards[shard].contains(pool: $0.pool, namespace: $0.namespace, imageID: $0.id) }
    }

    /// Each shard's SQLite history, in `folder`.
    func databases(in folder: URL) async throws -> [HistoryStore] {
        var stores: [HistoryStore] = []
        for shard in 0..<2 {
            let store = try HistoryStore(path: folder.appendingPathComponent("shard-\(shard).sqlite").path)
            for time in scanTimes where scans(shard, at: time) {
                let images = images(of: shard, at: time)
                let pools = ["k8s", "vm"].map { pool in PoolScan(pool: pool, images: images.filter { $0.pool == pool }) }
                try await store.record(ScanReport(
                    startedAt: Date(timeIntervalSince1970: time - 5), finishedAt: Date(timeIntervalSince1970: time), mode: .exact, pools: pools))
            }
            stores.append(store)
        }
        return stores
    }

    /// What Prometheus would have scraped: each minute, each answering exporter's numbers of its
    /// latest scan, with `rbd_meter_up`.
    var openMetrics: String {
        var families: [String: [String]] = [:]
        let order = [
            "rbd_image_provisioned_bytes", "rbd_image_used_bytes", "rbd_image_total_used_bytes", "rbd_image_watchers", "rbd_image_info", "rbd_meter_up",
        ]
        for shard in 0..<2 {
            let exporter = "job=\"rbd-meter\",instance=\"shard-\(shard)\""
            var series: [String: [String]] = [:]
            for time in stride(from: start, through: end, by: Self.scrapeInterval) where isUp(shard, at: time) {
                guard let scanned = scanTimes.last(where: { $0 <= time && scans(shard, at: $0) }) else { continue }
                let stamp = String(format: "%.0f", time)
                series["rbd_meter_up{\(exporter)}", default: []].append("1 \(stamp)")
                for image in images(of: shard, at: scanned) {
                    let labels = "\(exporter),pool=\"\(image.pool)\",namespace=\"\",image=\"\(image.image)\""
                    series["rbd_image_provisioned_bytes{\(labels)}", default: []].append("\(image.provisionedBytes) \(stamp)")
                    series["rbd_image_used_bytes{\(labels)}", default: []].append("\(image.usedBytes) \(stamp)")
                    series["rbd_image_total_used_bytes{\(labels)}", default: []].append("\(image.totalUsedBytes) \(stamp)")
                    series["rbd_image_watchers{\(labels)}", default: []].append("\(image.watchers) \(stamp)")
                    let identity = image.kubernetes
                    let info = "\(labels),id=\"\(image.id)\",pv=\"\(identity.pv)\",pvc=\"\(identity.pvc)\",pvc_namespace=\"\(identity.pvcNamespace)\""
                    series["rbd_image_info{\(info)}", default: []].append("1 \(stamp)")
                }
            }
            for (name, samples) in series {
                let family = String(name.prefix { $0 != "{" })
                families[family, default: []] += samples.map { "\(name) \($0)" }
            }
        }
        return order.map { family in "# TYPE \(family) gauge\n" + (families[family] ?? []).joined(separator: "\n") + "\n" }.joined() + "# EOF\n"
    }
}
