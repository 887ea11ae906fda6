import Foundation
import RBD

/// Measures the images in the RBD trash of one pool's namespaces, the same way ``ImageMeter``
/// measures live ones.
///
/// Trashed images are opened by id (`rbd_open_by_id_read_only` finds an id in the trash when the
/// directory no longer has it). They are measured afresh on every scan, without the object listing:
/// they are few, and the listing of a namespace costs more than diffing a handful of images.
public struct TrashScanner: Sendable {
    public var cluster: Cluster
    public var options: ScanOptions

    public init(cluster: Cluster, options: ScanOptions) {
        self.cluster = cluster
        self.options = options
    }

    private enum Outcome: Sendable {
        case measured(TrashUsage)
        case failed(ImageFailure, id: String)
    }

    /// Lists and measures the trash of `scan`'s namespaces into ``PoolScan/trash`` and
    /// ``PoolScan/trashFailures``. A trash that cannot be listed throws, like an image listing that
    /// fails, and a timeout or a cancelled scan fails the pool.
    ///
    /// Past `deadline` (the pool's time budget) the trashed images not yet measured become failures
    /// with reason `budget_exceeded`, and the pool keeps its live numbers: the trash is not worth
    /// losing a pool's fresh usage for.
    public func scan(into scan: inout PoolScan, deadline: ContinuousClock.Instant? = nil) async throws {
        let root = try await cluster.ioContext(pool: scan.pool)
        var work: [(context: IOContext, entry: TrashEntry)] = []
        for namespace in scan.namespaces {
            let context = namespace.isEmpty ? root : try await root.inNamespace(namespace)
            for entry in try await context.trashImages() {
                if let shard = options.shard, !shard.contains(pool: scan.pool, namespace: namespace, imageID: entry.id) { continue }
                work.append((context, entry))
            }
        }
        let meter = options.meter
        var trash: [TrashUsage] = []
        var failures: [ImageFailure] = []
        var failure: ScanFailure?
        var failedIDs: Set<String> = []
        let pool = scan.pool
        let end = await measureBounded(work, limit: options.concurrency, deadline: deadline, measure: { item -> Outcome in
            do {
                let usage = try await meter.measure(item.entry.name, id: item.entry.id, in: item.context)
                return .measured(TrashUsage(usage: usage, entry: item.entry))
            } catch {
                let failure = ScanFailure(error)
                return .failed(ImageFailure(pool: pool, namespace: item.context.namespace, image: item.entry.name, failure: failure), id: item.entry.id)
            }
        }, receive: { outcome in
            switch outcome {
            case .measured(let usage):
                trash.append(usage)
            case .failed(let imageFailure, let id):
                failures.append(imageFailure)
                failedIDs.insert(id)
                // A timeout or a cancelled scan ends the pool, as for live images.
                if imageFailure.failure.reason == .timeout || imageFailure.failure.reason == .cancelled {
                    failure = imageFailure.failure
                    return false
                }
            }
            return true
        })
        if end == .cancelled { failure = ScanFailure(CancellationError()) }
        let budgetExceeded = end == .deadline
        if budgetExceeded {
            let done = failedIDs.union(trash.map(\.usage.id))
            for item in work where !done.contains(item.entry.id) {
                failures.append(ImageFailure(
                    pool: pool, namespace: item.context.namespace, image: item.entry.name,
                    failure: ScanFailure(reason: .budgetExceeded, message: "trash of pool \(pool): time budget exceeded before \(item.context.spec(image: item.entry.name)) (id \(item.entry.id)) was measured")))
            }
        }
        trash.sort { ($0.usage.namespace, $0.usage.image, $0.usage.id) < ($1.usage.namespace, $1.usage.image, $1.usage.id) }
        scan.trash = trash
        scan.trashFailures = failures
        if let failure { scan.failure = failure }
    }
}
