/// The object-class method calls one compound read makes on one object, each with its input encoded
/// as `src/cls/rbd/cls_rbd_client.cc` encodes it.
struct ObjectCalls: Sendable {
    struct Call: Sendable {
        var className = "rbd"
        var method: String
        var input: [UInt8] = []
    }

    var object: String
    var calls: [Call]

    /// `value` as Ceph encodes a u64.
    static func little(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
}
