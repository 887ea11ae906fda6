import Foundation
import Logging
import RBD

/// Walks the selected pools and measures every image in every namespace, several images at once.
///
/// Pools are scanned one after another, so that each has its own duration and time budget; within a
/// pool up to ``ScanOptions/concurrency`` images are measured at once, and the cluster's
/// ``BlockingPool`` bounds the Ceph calls in flight. An image that fails is recorded and skipped; an
/// image that times out ends its pool's scan (its placement groups do not answer), and the other pools
/// are scanned on, unless the monitors do not answer either: then the cluster is out of reach and
/// the scan ends.
public struct Scanner: Sendable {
    public var cluster: Cluster
    public var options: ScanOptions
    public var logger: Logger
    /// Told of every image measured, as it happens; for tests that must act while a scan runs.
    public var onImageMeasured: (@Sendable (ImageUsage) -> Void)?
    /// The cluster's time as far as the OSDs' stamps prove it; shared by the scans whose numbers
    /// follow each other, so that reuse can wait for the cluster's clock (see ``ClusterClock``).
    public var clock: ClusterClock
    /// Header reads kept in flight per namespace; `nil` for the binding's default
    /// (``IOContext/headerReadWindow``).
    var requestWindow: Int?

    /// Header reads in flight for a pool scanned cautiously (see ``scanPool(_:previous:cautious:)``).
    static let cautiousWindow = 16

    public init(
        cluster: Cluster, options: ScanOptions, logger: Logger = Logger(label: "rbd-meter.scanner"),
        clock: ClusterClock = ClusterClock(), onImageMeasured: (@Sendable (ImageUsage) -> Void)? = nil
    ) {
        self.cluster = cluster
        self.options = options
        self.logger = logger
        self.clock = clock
        self.onImageMeasured = onImageMeasured
    }

    /// Runs one scan. Failures are part of the report; the call itself never throws.
    ///
    /// - Parameters:
    ///   - previous: the previous scan's numbers by ``ImageUsage/spec``; images unchanged since are
    ///     not measured again (see ``ImageMeter/measure(_:in:index:previous:)``).
    ///   - skipping: pools not to try now, each reported with the failure given (``PoolBackoff``).
    ///   - cautious: pools that timed out before, scanned one image at a time with small request
    ///     windows (see ``scanPool(_:previous:cautious:)``).
    public func scan(previous: [String: ImageUsage] = [:], skipping: [String: ScanFailure] = [:], cautious: Set<String> = []) async -> ScanReport {
        let startedAt = Date()
        logger.info("scan started")
        let pools: [String]
        do {
            pools = try await selectPools()
        } catch {
            // The pool list comes from the monitors: a timeout here means they do not answer.
            var failure = ScanFailure(error)
            if failure.reason == .timeout { failure = failure.asClusterUnreachable }
            return ScanReport(startedAt: startedAt, finishedAt: Date(), mode: options.mode, pools: [], failure: failure)
        }
        // Quotas and stored bytes come from the manager's statistics; without them the scan still
        // counts. Of several shards only the first reports them, so that sums stay right.
        var capacities: [String: PoolCapacity] = [:]
        if options.shard == nil || options.shard?.index == 0 {
            do {
                capacities = try await PoolCapacity.read(from: cluster)
            } catch {
                logger.warning("cannot read pool statistics", metadata: ["error": "\(error)"])
            }
        }
        var scans: [PoolScan] = []
        var abort: ScanFailure?
        for pool in pools {
            if let abort {
                scans.append(PoolScan(pool: pool, failure: abort))
                continue
            }
            if let waiting = skipping[pool] {
                var skipped = PoolScan(pool: pool, failure: waiting, capacity: capacities[pool])
                skipped.skipped = true
                scans.append(skipped)
                continue
            }
            var scan = await scanPool(pool, previous: previous, cautious: cautious.contains(pool))
            scan.capacity = capacities[pool]
            if let failure = scan.failure {
                if failure.reason == .cancelled {
                    abort = failure
                } else if failure.reason == .timeout, await !monitorsAnswer() {
                    scan.failure = failure.asClusterUnreachable
                    abort = scan.failure
                }
            }
            scans.append(scan)
        }
        var report = ScanReport(startedAt: startedAt, finishedAt: Date(), mode: options.mode, pools: scans)
        report.clusterClockOffset = clock.offset
        logger.info("scan finished", metadata: [
            "pools": "\(scans.count)", "images": "\(report.images.count)", "reused": "\(scans.reduce(0) { $0 + $1.reused })",
            "opened": "\(scans.reduce(0) { $0 + $1.opened })",
            "seconds": "\(String(format: "%.3f", report.duration))",
            "failure": "\(report.firstFailure?.message ?? "none")",
        ])
        return report
    }

    /// Whether the monitors answer a trivial command within `rados_mon_op_timeout`. A pool that timed
    /// out may only have stuck placement groups; the other pools are worth scanning only if the
    /// cluster itself is still there. A refusal (EACCES) is an answer too.
    func monitorsAnswer() async -> Bool {
        do {
            _ = try await cluster.monitorCommand(#"{"prefix":"mon stat","format":"json"}"#)
            return true
        } catch let error as RBDError {
            return error.kind != .timedOut
        } catch {
            return true
        }
    }

    /// The pools named in the options (which must exist), or every RBD pool the filter lets through.
    public func selectPools() async throws -> [String] {
        if !options.pools.isEmpty {
            for pool in options.pools {
                _ = try await cluster.ioContext(pool: pool)
            }
            return options.pools
        }
        return try await cluster.rbdPoolNames().filter(options.poolFilter.matches).sorted()
    }

    /// Measures the named images only, e.g. `rbd-meter scan --image rbd/vol1`; a missing one is a failure.
    public func scan(images: [ImageLocation]) async -> ScanReport {
        let startedAt = Date()
        var scans: [PoolScan] = []
        let byPool = Dictionary(grouping: images, by: \.pool)
        for pool in byPool.keys.sorted() {
            let clock = ContinuousClock()
            let start = clock.now
            var scan = PoolScan(pool: pool, namespaces: [])
            do {
                var work: [Work] = []
                let byNamespace = Dictionary(grouping: byPool[pool]!, by: \.namespace)
                for namespace in byNamespace.keys.sorted() {
                    let context = try await cluster.ioContext(pool: pool, namespace: namespace)
                    work += try await named(byNamespace[namespace]!.map(\.image), in: context)
                }
                scan.namespaces = byNamespace.keys.sorted()
                await measure(work, into: &scan, deadline: options.poolTimeBudget.map { start + $0 })
                if scan.failure == nil, let missing = scan.imageFailures.first {
                    scan.failure = missing.failure
                }
            } catch {
                scan.failure = ScanFailure(error)
            }
            scan.duration = (clock.now - start).inSeconds
            scans.append(scan)
        }
        return ScanReport(startedAt: startedAt, finishedAt: Date(), mode: options.mode, pools: scans)
    }

    /// Scans one pool within its time budget.
    ///
    /// - Parameter cautious: for a pool whose requests timed out before: its images are measured one
    ///   at a time and its headers read ``cautiousWindow`` at a time, so that an OSD that still does
    ///   not answer gets a handful of requests queued, not the full window again. The first request
    ///   of a pool's scan (its namespaces) goes alone anyway.
    public func scanPool(_ pool: String, previous: [String: ImageUsage] = [:], cautious: Bool = false) async -> PoolScan {
        if cautious && requestWindow == nil {
            var careful = self
            careful.options.concurrency = 1
            careful.requestWindow = Self.cautiousWindow
            return await careful.scanPool(pool, previous: previous)
        }
        let clock = ContinuousClock()
        let start = clock.now
        var scan = PoolScan(pool: pool)
        // One budget for the pool's live images and its trash, from the start of its scan.
        let deadline = options.poolTimeBudget.map { start + $0 }
        do {
            let work = try await listImages(pool, previous: previous, into: &scan)
            await measure(work, into: &scan, deadline: deadline)
            if scan.failure == nil {
                try await TrashScanner(cluster: cluster, options: options).scan(into: &scan, deadline: deadline)
            }
        } catch {
            scan.failure = ScanFailure(error)
        }
        scan.duration = (clock.now - start).inSeconds
        if let failure = scan.failure {
            logger.warning("pool scan failed", metadata: ["pool": "\(pool)", "error": "\(failure.message)"])
        }
        return scan
    }

    private struct Work: Sendable {
        var context: IOContext
        var image: String
        var id: String?
        var index: ObjectIndex?
        var previous: ImageUsage?
        /// The image's header as read just before measuring (see ``ImageMeter/reused(_:id:header:)``).
        var header: ObjectProbe?
        /// What the `rbd` class says of the image, for one that cannot keep its numbers.
        var imageHeader: ImageHeader?
    }

    private func listImages(_ pool: String, previous: [String: ImageUsage], into scan: inout PoolScan) async throws -> [Work] {
        let root = try await cluster.ioContext(pool: pool)
        let namespaces = ([""] + (try await root.namespaces())).filter(options.namespaceFilter.matches)
        scan.namespaces = namespaces
        var work: [Work] = []
        for namespace in namespaces {
            let context = namespace.isEmpty ? root : try await root.inNamespace(namespace)
            // Listed only if an image measured from the listing asks for it.
            let index = options.useListing ? ObjectIndex(context: context) : nil
            var listed: [Work] = []
            for image in try await context.images() {
                if let shard = options.shard, !shard.contains(pool: pool, namespace: namespace, imageID: image.id) { continue }
                let location = ImageLocation(pool: pool, namespace: namespace, image: image.name)
                listed.append(Work(context: context, image: image.name, id: image.id, index: index, previous: previous[location.description]))
            }
            if !options.librbdOnly { try await readHeaders(of: &listed, in: context) }
            work += listed
        }
        return work
    }

    /// Measures the image `name` of `context` as a scan measures it, without a listing of the
    /// namespace (it is one image): an image with valid fast-diff maps from them, without an open;
    /// anything else through librbd. Errors are thrown, as librbd's are.
    public func measure(_ name: String, in context: IOContext) async throws -> ImageUsage {
        var named = self
        named.options.useListing = false
        let work = try await named.named([name], in: context)[0]
        return try await named.meter.measure(name, id: work.id, in: context, header: work.header, imageHeader: work.imageHeader)
    }

    /// The work for the images `names` of `context`, found by name (``IOContext/imageIDs(named:window:)``)
    /// and with their headers read, as a listed namespace's are; a name without an image stays
    /// without an id, and librbd reports it missing.
    private func named(_ names: [String], in context: IOContext) async throws -> [Work] {
        let ids = try await context.imageIDs(named: names, window: requestWindow ?? IOContext.headerReadWindow)
        let index = options.useListing ? ObjectIndex(context: context) : nil
        var work = zip(names, ids).map { Work(context: context, image: $0, id: $1, index: index) }
        if !options.librbdOnly { try await readHeaders(of: &work, in: context) }
        return work
    }

    /// Reads the header of every format-2 image in `work` in one batch; then what the images that
    /// cannot keep their numbers need to be measured without librbd (from the listing, their object
    /// maps or their clones), in another.
    /// An image whose header read fails or is not understood is measured through librbd as without
    /// them, which reports a deleted one as vanished.
    private func readHeaders(of work: inout [Work], in context: IOContext) async throws {
        let probed = work.indices.filter { !(work[$0].id ?? "").isEmpty }
        let window = requestWindow ?? IOContext.headerReadWindow
        let headers = try await context.probeHeaders(imageIDs: probed.map { work[$0].id! }, window: window)
        try Self.endOnTimeout(headers)
        let seen = Date()
        for (index, header) in zip(probed, headers) {
            work[index].header = try? header.get()
            if let header = work[index].header { clock.observe(stamp: Double(header.modifiedNanoseconds) / 1e9, seenAt: seen) }
        }
        let meter = self.meter
        let changed = probed.filter { work[$0].header != nil && meter.reused(work[$0].previous, id: work[$0].id, header: work[$0].header) == nil }
        let imageHeaders = try await context.readImageHeaders(imageIDs: changed.map { work[$0].id! }, window: window)
        try Self.endOnTimeout(imageHeaders)
        // An object map answers for one image whatever the pool holds, in one read per map; the
        // listing costs a request per object of the whole pool. For an image with fast-diff and no
        // snapshots it is worth making only when the pool holds few objects per image to measure
        // (statistics count every namespace); with snapshots, only the maps tell what each one holds.
        var listingIsCheap = false
        if options.useListing {
            let objects = (try? await context.poolStatistics().objects) ?? .max
            listingIsCheap = objects / UInt64(max(changed.count, 1)) <= Self.listedObjectsPerImage
        }
        for (index, imageHeader) in zip(changed, imageHeaders) {
            guard let imageHeader = try? imageHeader.get() else { continue }
            work[index].imageHeader = imageHeader
            if imageHeader.info?.hasUsableFastDiff == true && !listingIsCheap { work[index].index = nil }
        }
    }

    /// Throws the first timeout among `reads`: as for an image's measurement, a timeout means that
    /// the pool's placement groups do not answer, and every librbd open would wait as long again.
    private static func endOnTimeout<T>(_ reads: [Result<T, RBDError>]) throws {
        for case .failure(let error) in reads where error.kind == .timedOut { throw error }
    }

    /// Objects per image to measure up to which the namespace listing replaces the images' object
    /// maps. A librbd open with its object map load costs about 2 ms of client CPU and several round
    /// trips; a listing returns its names in batches of a thousand or so. 256 is a chosen bound on
    /// that side of the crossover, not a measured crossover.
    static let listedObjectsPerImage: UInt64 = 256

    private var meter: ImageMeter {
        var meter = options.meter
        meter.clock = clock
        return meter
    }

    private enum Outcome: Sendable {
        case measured(ImageUsage)
        case failed(Work, ScanFailure)
    }

    /// Measures `work` into `scan` until `deadline` (the pool's time budget).
    private func measure(_ work: [Work], into scan: inout PoolScan, deadline: ContinuousClock.Instant?) async {
        let meter = self.meter
        let end = await measureBounded(work, limit: options.concurrency, deadline: deadline, measure: { item -> Outcome in
            do {
                return .measured(try await meter.measure(
                    item.image, id: item.id, in: item.context, index: item.index, previous: item.previous, header: item.header,
                    imageHeader: item.imageHeader))
            } catch {
                return .failed(item, ScanFailure(error))
            }
        }, receive: { outcome in
            switch outcome {
            case .measured(let usage):
                scan.images.append(usage)
                if usage.reused { scan.reused += 1 }
                if usage.opened { scan.opened += 1 }
                onImageMeasured?(usage)
            case .failed(let item, let failure):
                scan.imageFailures.append(ImageFailure(pool: item.context.pool, namespace: item.context.namespace, image: item.image, failure: failure))
                // A timeout means the pool's placement groups do not answer: every further image
                // would wait as long, so the pool's scan ends here; so does a connection the OSDs
                // refuse for good.
                if [.timeout, .cancelled, .blocklisted].contains(failure.reason) {
                    scan.failure = failure
                    return false
                }
                if failure.reason != .notFound {
                    logger.warning("image scan failed", metadata: ["image": "\(item.context.spec(image: item.image))", "error": "\(failure.message)"])
                }
            }
            return true
        })
        switch end {
        case .finished, .stopped: break
        case .deadline:
            scan.failure = ScanFailure(reason: .budgetExceeded, message: "scan of pool \(scan.pool) exceeded its time budget of \(options.poolTimeBudget ?? .zero)")
        case .cancelled:
            scan.failure = ScanFailure(CancellationError())
        }
        scan.images.sort { ($0.namespace, $0.image) < ($1.namespace, $1.image) }
    }
}
