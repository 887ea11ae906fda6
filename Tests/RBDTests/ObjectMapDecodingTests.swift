import DevCluster
import Foundation
@testable import RBD
import Testing

/// The replies the direct fast-diff path decodes (`object_map_load`, `snapshot_get`, the clone
/// listing), intact and damaged: whatever arrives is decoded right or refused with `EBADMSG`, and
/// no count from the wire sizes an allocation before it is checked.
@Suite("Object map, snapshot and clone decoding")
struct ObjectMapDecodingTests {
    static let little = ImageHeaderFuzzTests.little
    static let string = ImageHeaderFuzzTests.string

    /// An `object_map_load` reply for `states`, with the CRC footer a stored map carries or the
    /// empty one the class answers with.
    static func mapReply(_ states: [ObjectMap.State], crcs: Bool) -> [UInt8] {
        let header = [1, 1] + little(8, 4) + little(UInt64(states.count), 8)
        var packed = [UInt8](repeating: 0, count: (states.count + 3) / 4)
        for (index, state) in states.enumerated() { packed[index / 4] |= state.rawValue << ((3 - index % 4) * 2) }
        var footer: [UInt8] = []
        if crcs {
            let blocks = stride(from: 0, to: packed.count, by: 4096).map { packed[$0..<min($0 + 4096, packed.count)] }
            footer = little(UInt64(CRC32C.checksum(header)), 4) + little(UInt64(blocks.count), 4) + blocks.flatMap { little(UInt64(CRC32C.checksum($0)), 4) }
        }
        return little(UInt64(header.count), 4) + header + packed + little(UInt64(footer.count), 4) + footer
    }

    static let states: [ObjectMap.State] = (0..<20_000).map { ObjectMap.State(rawValue: UInt8(($0 * 7 + $0 / 5) % 4))! }

    @Test("Ceph's CRC-32C is the standard one without its inversions")
    func crcMatchesTheStandardCheckValue() {
        #expect(~CRC32C.checksum(Array("123456789".utf8), seed: 0xFFFF_FFFF) == 0xE306_9283)
    }

    @Test("an object map decodes two bits per object, the first in the high bits, with or without CRCs")
    func objectMapDecodes() throws {
        for crcs in [true, false] {
            let map = try ObjectMap(reply: Self.mapReply(Self.states, crcs: crcs), what: "test")
            #expect(map.count == UInt64(Self.states.count))
            #expect((0..<UInt64(Self.states.count)).map { map[$0] } == Self.states)
            #expect(map[UInt64(Self.states.count)] == .nonexistent)
        }
    }

    @Test("a damaged object map is refused with EBADMSG: a flipped bit under a CRC, a truncation, a count beyond the bytes", arguments: 0..<4)
    func damagedObjectMapsAreRefused(seed: UInt64) {
        var random = SplitMix(seed: seed)
        let valid = Self.mapReply(Self.states, crcs: true)
        for _ in 0..<300 {
            var reply = valid
            switch random.next() % 3 {
            case 0:
                // Any bit of the header, the states or the CRCs, but not the footer's length.
                let index = 4 + Int(random.next() % UInt64(reply.count - 4))
                reply[index] ^= 1 << UInt8(random.next() % 8)
            case 1:
                reply = Array(reply.prefix(Int(random.next() % UInt64(reply.count))))
            default:
                reply.replaceSubrange(10..<18, with: Self.little(UInt64.max - random.next() % 1000, 8))
            }
            do {
                let map = try ObjectMap(reply: reply, what: "test")
                // A flip in the footer's length field may leave nothing to check; it must still be the same map.
                #expect(map == (try ObjectMap(reply: valid, what: "test")), "a damaged map decoded differently")
            } catch {
                #expect(error.code == EBADMSG, "\(error)")
            }
        }
    }

    /// `snapshot_get` and `get_flags` replies for a snapshot.
    static func snapshotReplies(id: UInt64, namespace: UInt32, name: String, size: UInt64) -> ArraySlice<[UInt8]> {
        let space = [1, 1] + little(4, 4) + little(UInt64(namespace), 4)
        let body = little(id, 8) + space + string(name) + little(size, 8) + little(1_700_000_000, 4) + little(0, 4) + little(0, 4)
        return [[1, 1] + little(UInt64(body.count), 4) + body, little(2, 8)][...]
    }

    @Test("a snapshot's metadata decodes with its namespace, and damage is refused with EBADMSG")
    func snapshotDecodes() throws {
        let replies = Self.snapshotReplies(id: 9, namespace: 2, name: "from-clone", size: 1 << 30)
        let snapshot = try SnapshotHeader(id: 9, replies: replies, image: "test")
        #expect(snapshot.info == SnapshotInfo(id: 9, name: "from-clone", size: 1 << 30, namespace: .trash))
        #expect(snapshot.flags == .fastDiffInvalid)
        #expect(throws: RBDError.self) { try SnapshotHeader(id: 8, replies: replies, image: "test") }
        var random = SplitMix(seed: 1)
        for _ in 0..<300 {
            var damaged = Array(replies)
            let index = Int(random.next() % 2)
            damaged[index] = Array(damaged[index].prefix(Int(random.next() % UInt64(damaged[index].count))))
            do {
                _ = try SnapshotHeader(id: 9, replies: damaged[...], image: "test")
            } catch {
                #expect(error.code == EBADMSG, "\(error)")
            }
        }
    }

    @Test("a clone listing decodes, and truncations and counts beyond the bytes are refused with EBADMSG")
    func snapSetDecodes() throws {
        let encoded = Self.little(4, 8) + Self.little(2, 4)
            + Self.little(4, 8) + Self.little(4 << 20, 8) + Self.little(1, 4) + Self.little(4, 8) + Self.little(1, 4) + Self.little(0, 8) + Self.little(2 << 20, 8)
            + Self.little(SnapSet.head, 8) + Self.little(2 << 20, 8) + Self.little(0, 4) + Self.little(0, 4)
        let set = try SnapSet(encoded: encoded, what: "test")
        #expect(set == SnapSet(sequence: 4, clones: [
            .init(id: 4, snapshots: [4], overlap: [0..<(2 << 20)], size: 4 << 20),
            .init(id: SnapSet.head, snapshots: [], overlap: [], size: 2 << 20),
        ]))
        for length in 0..<encoded.count {
            #expect(throws: RBDError.self) { try SnapSet(encoded: Array(encoded.prefix(length)), what: "test") }
        }
        var huge = encoded
        huge.replaceSubrange(8..<12, with: Self.little(UInt64(UInt32.max), 4))
        #expect(throws: RBDError.self) { try SnapSet(encoded: huge, what: "test") }
    }
}
