import RBD

/// Why a pool or an image could not be measured.
public struct ScanFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// A short, stable label for metrics (`rbd_meter_scan_errors_total{reason}`) and JSON output.
    public enum Reason: String, Sendable, CaseIterable, Comparable {
        /// Ceph did not answer within the client's timeout.
        case timeout
        /// The pool, namespace or image does not exist (any more).
        case notFound = "not_found"
        /// The client's caps do not allow the request.
        case permissionDenied = "permission_denied"
        /// The pool's scan took longer than `scan.pool_time_budget_seconds`.
        case budgetExceeded = "budget_exceeded"
        /// The scan was cancelled (shutdown).
        case cancelled
        /// The OSDs refuse this client's connection (`ceph osd blocklist`); a fresh one replaces it.
        case blocklisted
        /// Anything else.
        case error

        public static func < (lhs: Reason, rhs: Reason) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var reason: Reason
    /// The full message, e.g. `open image rbd/vol1: ENOENT (No such file or directory)`.
    public var message: String
    /// Whether the monitors did not answer: nothing can be scanned until they do, so the scan ends
    /// and the scheduler backs off. A timeout inside one pool (a stuck placement group, a frozen OSD)
    /// is not that: the other pools are scanned on.
    public var clusterUnreachable: Bool

    public init(reason: Reason, message: String, clusterUnreachable: Bool = false) {
        self.reason = reason
        self.message = message
        self.clusterUnreachable = clusterUnreachable
    }

    /// Classifies any error a scan may meet.
    public init(_ error: any Error) {
        switch error {
        case let failure as ScanFailure:
            self = failure
        case let rbd as RBDError:
            let reason: Reason
            switch rbd.kind {
            case .timedOut: reason = .timeout
            case .notFound: reason = .notFound
            case .permissionDenied: reason = .permissionDenied
            case .cancelled: reason = .cancelled
            case .blocklisted: reason = .blocklisted
            default: reason = .error
            }
            self.init(reason: reason, message: rbd.description)
        case is CancellationError:
            self.init(reason: .cancelled, message: "scan cancelled")
        default:
            self.init(reason: .error, message: String(describing: error))
        }
    }

    /// The same failure, known to mean that the monitors are out of reach.
    public var asClusterUnreachable: ScanFailure {
        var failure = self
        failure.clusterUnreachable = true
        return failure
    }

    public var description: String { message }
}

/// An image that was listed but not measured.
public struct ImageFailure: Sendable, Equatable {
    public var pool: String
    public var namespace: String
    public var image: String
    public var failure: ScanFailure

    public init(pool: String, namespace: String, image: String, failure: ScanFailure) {
        self.pool = pool
        self.namespace = namespace
        self.image = image
        self.failure = failure
    }

    /// Whether the image simply vanished (deleted or renamed during the scan): not an error.
    public var vanished: Bool { failure.reason == .notFound }
}
