import CRBD

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif

/// A failed librados or librbd call: which operation, on which object, and the errno it returned.
///
/// The description reads like Ceph's own tools, e.g.
/// `open image rbd/vol1: ENOENT (No such file or directory)`.
public struct RBDError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was attempted, e.g. `open image` or `list snapshots`.
    public var operation: String
    /// The pool, namespace, image or snapshot it was attempted on, in `pool/namespace/image@snap` form.
    public var object: String
    /// The positive errno value.
    public var code: Int32

    public init(operation: String, object: String, code: Int32) {
        self.operation = operation
        self.object = object
        self.code = abs(code)
    }

    /// The coarse kinds callers branch on.
    public enum Kind: Sendable, Equatable {
        case notFound, alreadyExists, busy, notEmpty, timedOut, permissionDenied, invalidArgument, cancelled
        /// The OSDs refuse this client for good (`ceph osd blocklist add`): only a new connection,
        /// with a new address, is served again.
        case blocklisted
        case other
    }

    public var kind: Kind {
        switch code {
        case ENOENT: return .notFound
        case EEXIST: return .alreadyExists
        case EBUSY: return .busy
        case ENOTEMPTY: return .notEmpty
        case ETIMEDOUT: return .timedOut
        case EPERM, EACCES: return .permissionDenied
        case EINVAL, ERANGE, EDOM, ENAMETOOLONG: return .invalidArgument
        case ECANCELED: return .cancelled
        // librados' EBLOCKLISTED.
        case ESHUTDOWN: return .blocklisted
        default: return .other
        }
    }

    /// The symbolic errno name, e.g. `ENOENT`.
    public var errnoName: String {
        if let name = strerrorname_np(code) { return String(cString: name) }
        return "errno \(code)"
    }

    /// The C library's text for the errno, e.g. `No such file or directory`.
    public var errnoMessage: String {
        String(cString: strerror(code))
    }

    public var description: String {
        let target = object.isEmpty ? "" : " \(object)"
        return "\(operation)\(target): \(errnoName) (\(errnoMessage))"
    }
}

/// Turns a librados/librbd return value into a typed error: negative means `-errno`.
@discardableResult
func check(_ result: Int32, _ operation: @autoclosure () -> String, _ object: @autoclosure () -> String) throws(RBDError) -> Int32 {
    if result < 0 {
        throw RBDError(operation: operation(), object: object(), code: -result)
    }
    return result
}

/// The same for the calls that return `ssize_t` or `int64_t`.
@discardableResult
func check(_ result: Int64, _ operation: @autoclosure () -> String, _ object: @autoclosure () -> String) throws(RBDError) -> Int64 {
    if result < 0 {
        throw RBDError(operation: operation(), object: object(), code: Int32(truncatingIfNeeded: -result))
    }
    return result
}
