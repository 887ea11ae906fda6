import DevCluster
import Foundation
@testable import RBD
import Testing

/// The `rbd` class replies that ``ImageHeader`` decodes, damaged: whatever an OSD (or something in
/// between) answers, the decoder accepts it or refuses it with `EBADMSG`, and never allocates what a
/// count from the wire asks for before checking it.
@Suite("Image header fuzzing")
struct ImageHeaderFuzzTests {
    static func little(_ value: UInt64, _ bytes: Int) -> [UInt8] {
        (0..<bytes).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    static func string(_ text: String) -> [UInt8] {
        little(UInt64(text.utf8.count), 4) + Array(text.utf8)
    }

    /// Replies as a real image with two snapshots and two metadata keys has them.
    static let valid: [[UInt8]] = [
        [22] + little(1 << 30, 8),
        string("rbd_data.1234"),
        little(61, 8) + little(0, 8),
        little(0, 8),
        little(7, 8) + little(2, 4) + little(7, 8) + little(5, 8),
        little(UInt64(bitPattern: -1), 8),
        [1, 1] + little(8 + 4 + 4 + 8, 4) + little(UInt64(bitPattern: -1), 8) + string("") + string("") + little(0, 8),
        little(1_700_000_000, 4) + little(0, 4),
        little(1_700_000_100, 4) + little(0, 4),
        little(2, 4) + string("conf_rbd_cache") + string("false") + string("csi.storage.k8s.io/pv/name") + string("pv-1"),
    ]

    @Test("the undamaged replies decode")
    func validRepliesDecode() throws {
        let header = try ImageHeader(id: "1234", replies: Self.valid)
        #expect(header.snapshotIDs == [7, 5])
        #expect(header.metadata["csi.storage.k8s.io/pv/name"] == "pv-1")
    }

    @Test("truncated replies and counts far beyond the bytes sent are refused with EBADMSG", arguments: 0..<4)
    func damagedRepliesAreRefused(seed: UInt64) throws {
        var random = SplitMix(seed: seed)
        for _ in 0..<500 {
            var replies = Self.valid
            let index = Int(random.next() % UInt64(replies.count))
            switch random.next() % 3 {
            case 0:
                replies[index] = Array(replies[index].prefix(Int(random.next() % UInt64(replies[index].count))))
            case 1:
                // A count or length field set to up to 4 billion: the snapshot count, the metadata
                // count, or any u32 where one stands.
                let offsets = [(4, 8), (9, 0), (1, 0)]
                let (reply, offset) = offsets[Int(random.next() % UInt64(offsets.count))]
                replies[reply].replaceSubrange(offset..<(offset + 4), with: Self.little(UInt64(UInt32.max) - random.next() % 1000, 4))
            default:
                replies[index] = (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            }
            do {
                _ = try ImageHeader(id: "1234", replies: replies)
            } catch {
                #expect(error.code == EBADMSG, "\(error)")
            }
        }
    }
}
