import RBD

/// Why a pool or an image could not be measured.
public struct ScanFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// A short, stable label for metrics: `timeout`, `not_found`, `permission_denied`, `budget_exceeded`,
    /// `cancelled` or `error`.
    public var reason: String
    /// The full message, e.g. `open image rbd/vol1: ENOENT (No such file or directory)`.
    public var message: String

    public init(reason: String, message: String) {
        self.reason = reason
        self.message = message
    }

    /// Classifies any error a scan may meet.
    public init(_ error: any Error) {
        switch error {
        case let failure as ScanFailure:
            self = failure
        case let rbd as RBDError:
            let reason: String
            switch rbd.kind {
            case .timedOut: reason = "timeout"
            case .notFound: reason = "not_found"
            case .permissionDenied: reason = "permission_denied"
            case .cancelled: reason = "cancelled"
            default: reason = "error"
            }
            self.init(reason: reason, message: rbd.description)
        case is CancellationError:
            self.init(reason: "cancelled", message: "scan cancelled")
        default:
            self.init(reason: "error", message: String(describing: error))
        }
    }

    /// Whether the failure means the cluster itself is out of reach, so that scanning on is pointless.
    public var isClusterUnreachable: Bool { reason == "timeout" }

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
    public var vanished: Bool { failure.reason == "not_found" }
}
