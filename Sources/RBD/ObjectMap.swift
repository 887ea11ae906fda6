/// An image's object map (`rbd_object_map.ID[.SNAPID]`): two bits per data object, as
/// `cls_rbd`'s `object_map_load` returns it (a `ceph::BitVector<2>`, `src/common/bit_vector.hpp`).
public struct ObjectMap: Sendable, Equatable {
    /// What the map says of one object (`OBJECT_*` in `src/librbd/ObjectMap.h`'s `object_map_types`).
    public enum State: UInt8, Sendable {
        case nonexistent = 0
        /// Written since the map was last cleaned by a snapshot: changed since the previous snapshot.
        case exists = 1
        /// Being removed or discarded.
        case pending = 2
        /// Exists, unchanged since the snapshot that cleaned it.
        case existsClean = 3

        public var exists: Bool { self != .nonexistent }
    }

    /// Objects the map covers; it may be larger than the image needs (librbd grows it ahead).
    public let count: UInt64
    /// Four states per byte, the first object in the two high bits.
    private let packed: [UInt8]

    public init(count: UInt64, packed: [UInt8]) {
        precondition(UInt64(packed.count) == (count + 3) / 4)
        self.count = count
        self.packed = packed
    }

    /// The state of `object`; objects past ``count`` do not exist.
    public subscript(object: UInt64) -> State {
        guard object < count else { return .nonexistent }
        let shift = (3 - object % 4) * 2
        return State(rawValue: (packed[Int(object / 4)] >> shift) & 0b11)!
    }

    /// The bytes a block's CRC covers (`BitVector::BLOCK_SIZE`).
    static let crcBlockBytes = 4096

    /// Decodes an `object_map_load` reply: a header (`ENCODE_START(1, 1)`, the element count) as a
    /// byte list, the packed states, and a footer byte list, empty or holding the header's CRC and
    /// one CRC per 4 KiB block of states. Anything that does not add up is refused, as librbd
    /// refuses it.
    init(reply: [UInt8], what: String) throws(RBDError) {
        var decoder = CephDecoder(reply, what: what)
        var header = CephDecoder(Array(try decoder.bytesWithLength()), what: what)
        let headerCRC = CRC32C.checksum(header.remaining)
        let end = try header.structHeader(known: 1)
        let count = try header.u64()
        header.skip(to: end)
        try header.expectEnd()
        // Four states per byte: a count larger than the bytes left cannot be real.
        guard count <= UInt64(decoder.remainingCount) * 4 else { throw decoder.malformed("\(count) objects in \(decoder.remainingCount) bytes") }
        let packed = Array(try decoder.bytes(Int((count + 3) / 4)))
        var footer = CephDecoder(Array(try decoder.bytesWithLength()), what: what)
        try decoder.expectEnd()
        // The class checks the stored CRCs as it reads the map and answers without them; a reply
        // that carries them is checked here too.
        guard !footer.isAtEnd else {
            self.init(count: count, packed: packed)
            return
        }
        guard try footer.u32() == headerCRC else { throw footer.malformed("header CRC") }
        let blocks = try footer.count(minimumBytes: 4)
        guard blocks == (packed.count + Self.crcBlockBytes - 1) / Self.crcBlockBytes else { throw footer.malformed("\(blocks) data CRCs for \(packed.count) bytes") }
        for block in 0..<blocks {
            let range = (block * Self.crcBlockBytes)..<min((block + 1) * Self.crcBlockBytes, packed.count)
            guard try footer.u32() == CRC32C.checksum(packed[range]) else { throw footer.malformed("data CRC of block \(block)") }
        }
        try footer.expectEnd()
        self.init(count: count, packed: packed)
    }
}
