import Foundation
import Synchronization

/// The current ``MeterSnapshot``, shared between the scheduler that writes it and the scrapes that
/// read it. Reads take a lock only long enough to copy a reference-counted value.
public final class MeterState: Sendable {
    private let current = Mutex(MeterSnapshot())

    public init() {}

    /// The snapshot as it is now.
    public var snapshot: MeterSnapshot {
        current.withLock { $0 }
    }

    /// Folds a finished scan into the snapshot, all at once.
    ///
    /// Pools scanned to the end replace their numbers. A pool that failed keeps its previous numbers,
    /// marked stale, so that dashboards keep the last good data while the exporter reports the failure.
    /// Pools no longer selected (deleted, or filtered out) disappear. A failed image that was measured
    /// before keeps its previous numbers, so that one bad image does not make a pool's totals jump.
    public func apply(_ report: ScanReport) {
        current.withLock { snapshot in
            snapshot = Self.applying(report, to: snapshot)
        }
    }

    /// Records a scan that could not start: the cluster did not answer the connection.
    public func recordUnreachable(_ failure: ScanFailure, at date: Date = Date()) {
        current.withLock { snapshot in
            snapshot.up = false
            snapshot.lastAttemptAt = date
            snapshot.scanErrors[.init(pool: "", reason: failure.reason), default: 0] += 1
            snapshot.scans[.failure, default: 0] += 1
            for name in snapshot.pools.keys { snapshot.pools[name]?.stale = true }
            snapshot.version += 1
        }
    }

    /// Counts a scan that begins (or an attempt to connect for one).
    public func recordScanStarted() {
        current.withLock { snapshot in
            snapshot.scansStarted += 1
            snapshot.version += 1
        }
    }

    /// Records that the history database is open, before any scan is written to it.
    public func recordHistoryOpened() {
        current.withLock { snapshot in
            snapshot.historyAvailable = true
            snapshot.version += 1
        }
    }

    /// Counts a scan the history could not store.
    public func recordHistoryError() {
        current.withLock { snapshot in
            snapshot.historyErrors += 1
            snapshot.historyAvailable = false
            snapshot.version += 1
        }
    }

    /// Records how long the latest scan took to write to the history.
    public func recordHistoryWrite(seconds: Double) {
        current.withLock { snapshot in
            snapshot.historyWriteSeconds = seconds
            snapshot.historyAvailable = true
            snapshot.version += 1
        }
    }

    /// Marks the snapshot changed without changing it, so that cached renderings are redone; for
    /// figures derived from a scan after it was applied (quotas, forecasts).
    public func invalidate() {
        current.withLock { $0.version += 1 }
    }

    static func applying(_ report: ScanReport, to previous: MeterSnapshot) -> MeterSnapshot {
        var next = previous
        next.version += 1
        next.lastAttemptAt = report.finishedAt
        next.mode = report.mode
        next.reconnects += UInt64(report.reconnects)
        next.connection = report.connection ?? previous.connection
        if let failure = report.failure {
            // Nothing was scanned: the pools could not even be listed.
            next.up = !failure.clusterUnreachable
            next.scanErrors[.init(pool: "", reason: failure.reason), default: 0] += 1
            next.scans[.failure, default: 0] += 1
            for name in next.pools.keys { next.pools[name]?.stale = true }
            return next
        }
        var pools: [String: PoolState] = [:]
        for scan in report.pools {
            let old = previous.pools[scan.pool]
            for failure in scan.imageFailures + scan.trashFailures {
                next.imageScanErrors[.init(pool: scan.pool, reason: failure.failure.reason), default: 0] += 1
            }
            if let first = scan.retriedAfter {
                next.scanErrors[.init(pool: scan.pool, reason: first.reason), default: 0] += 1
            }
            if let failure = scan.failure {
                var kept = old ?? PoolState(pool: scan.pool, namespaces: scan.namespaces)
                kept.stale = true
                // A pool skipped while it backs off was not scanned: its timeout was counted when
                // it happened, and its latest duration is still the one of that scan.
                if !scan.skipped {
                    next.scanErrors[.init(pool: scan.pool, reason: failure.reason), default: 0] += 1
                    kept.scanDuration = scan.duration
                }
                if let capacity = scan.capacity { kept.capacity = capacity }
                pools[scan.pool] = kept
                continue
            }
            var images = scan.images
            let failedBefore = scan.imageFailures.filter { !$0.vanished }
            if !failedBefore.isEmpty, let old {
                let failedKeys = Set(failedBefore.map { "\($0.namespace)/\($0.image)" })
                images += old.images.filter { failedKeys.contains("\($0.namespace)/\($0.image)") }
                images.sort { ($0.namespace, $0.image) < ($1.namespace, $1.image) }
            }
            pools[scan.pool] = PoolState(
                pool: scan.pool, images: images, namespaces: scan.namespaces, capacity: scan.capacity ?? old?.capacity,
                scanDuration: scan.duration, lastSuccessAt: report.finishedAt, stale: false, reused: scan.reused
            )
            pools[scan.pool]?.opened = scan.opened
            pools[scan.pool]?.trash = TrashUsage.keepingFailed(scan.trash, failures: scan.trashFailures, previous: old?.trash ?? [])
        }
        next.pools = pools
        next.up = !report.clusterUnreachable
        if report.pools.isEmpty || report.pools.contains(where: { $0.failure == nil }) {
            next.lastDataAt = report.finishedAt
        }
        let outcome = report.outcome
        if outcome == .success { next.lastSuccessAt = report.finishedAt }
        next.scans[outcome, default: 0] += 1
        return next
    }
}
