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
        case deadline
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
        let meter = ImageMeter(mode: options.mode, objectsPerRange: options.objectsPerRange, reuseSettleSeconds: options.reuseSettleSeconds)
        var trash: [TrashUsage] = []
        var failures: [ImageFailure] = []
        var failure: ScanFailure?
        var failedIDs: Set<String> = []
        var budgetExceeded = deadline.map { ContinuousClock.now >= $0 } ?? false
        let pool = scan.pool
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            guard !budgetExceeded else { return }
            if let deadline {
                group.addTask {
                    try? await Task.sleep(until: deadline, clock: .continuous)
                    return .deadline
                }
            }
            var next = work.makeIterator()
            var inFlight = 0
            func startNext() {
                guard let item = next.next() else { return }
                inFlight += 1
                group.addTask {
                    do {
                        let usage = try await meter.measure(item.entry.name, id: item.entry.id, in: item.context)
                        return .measured(TrashUsage(usage: usage, entry: item.entry))
                    } catch {
                        let failure = ScanFailure(error)
                        return .failed(ImageFailure(pool: pool, namespace: item.context.namespace, image: item.entry.name, failure: failure), id: item.entry.id)
                    }
                }
            }
            for _ in 0..<max(options.concurrency, 1) { startNext() }
            while inFlight > 0, let outcome = try await group.next() {
                switch outcome {
                case .deadline:
                    budgetExceeded = true
                case .measured(let usage):
                    inFlight -= 1
                    trash.append(usage)
                case .failed(let imageFailure, let id):
                    inFlight -= 1
                    failures.append(imageFailure)
                    failedIDs.insert(id)
                    // A timeout or a cancelled scan ends the pool, as for live images.
                    if imageFailure.failure.reason == .timeout || imageFailure.failure.reason == .cancelled {
                        failure = imageFailure.failure
                    }
                }
                if failure == nil && Task.isCancelled { failure = ScanFailure(CancellationError()) }
                if failure != nil || budgetExceeded { break }
                startNext()
            }
            group.cancelAll()
        }
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
