/// An object's clones as the OSD lists them (`librados::snap_set_t`): what `rbd diff` in exact mode
/// reads of every object to tell which bytes changed between two snapshots.
public struct SnapSet: Sendable, Equatable {
    /// One version of the object: a clone kept for one or more snapshots, or the head.
    public struct Clone: Sendable, Equatable {
        /// The clone's id, ``SnapSet/head`` for the head.
        public var id: UInt64
        /// The snapshots that read this clone, oldest first; empty for the head.
        public var snapshots: [UInt64]
        /// The byte ranges this clone shares with the next newer one (or the head).
        public var overlap: [Range<UInt64>]
        /// The object's length in this version.
        public var size: UInt64

        public init(id: UInt64, snapshots: [UInt64], overlap: [Range<UInt64>], size: UInt64) {
            self.id = id
            self.snapshots = snapshots
            self.overlap = overlap
            self.size = size
        }
    }

    /// `LIBRADOS_SNAP_HEAD` (`CEPH_NOSNAP`): the head's clone id, and the snapshot id of the head.
    public static let head: UInt64 = 0xFFFF_FFFF_FFFF_FFFE

    /// The newest snapshot the object's last write knew of: the head holds what was written after it.
    public var sequence: UInt64
    /// Oldest first, the head (if the object exists now) last.
    public var clones: [Clone]

    public init(sequence: UInt64, clones: [Clone]) {
        self.sequence = sequence
        self.clones = clones
    }

    /// Decodes what `crbd_list_clones` wrote.
    init(encoded: [UInt8], what: String) throws(RBDError) {
        var decoder = CephDecoder(encoded, what: what)
        sequence = try decoder.u64()
        // A clone takes at least its id, size and two counts.
        clones = try (0..<decoder.count(minimumBytes: 24)).map { _ throws(RBDError) in
            let id = try decoder.u64()
            let size = try decoder.u64()
            let snapshots = try (0..<decoder.count(minimumBytes: 8)).map { _ throws(RBDError) in try decoder.u64() }
            let overlap = try (0..<decoder.count(minimumBytes: 16)).map { _ throws(RBDError) in
                let offset = try decoder.u64()
                let length = try decoder.u64()
                guard offset <= UInt64.max - length else { throw decoder.malformed("overlap past 2^64") }
                return offset..<(offset + length)
            }
            return Clone(id: id, snapshots: snapshots, overlap: overlap, size: size)
        }
        try decoder.expectEnd()
    }
}
