import RBD

/// What an exact `rbd_diff_iterate2` reports as data in one object between two versions of an
/// image, from the object's clones: librados' `calc_snap_set_diff` (`src/librados/snap_set_diff.cc`)
/// as librbd's list-snaps request applies it (`io::ObjectListSnapsRequest::handle_list_snaps` in
/// `src/librbd/io/ObjectRequest.cc`, which `api/DiffIterate.cc` reads through).
struct ExactObjectDiff {
    /// The byte ranges that differ between the two versions.
    var changed = ExtentSet()
    /// Whether the object exists at the end version: only then do the ranges count as data.
    var existsAtEnd = false
    /// The object's length at the end version.
    var endSize: UInt64 = 0

    /// - Parameters:
    ///   - start: the snapshot the diff starts from, 0 for the image's creation.
    ///   - end: the snapshot measured, ``SnapSet/head`` for the head.
    init(_ set: SnapSet, from start: UInt64, to end: UInt64) {
        var sawStart = false
        var startSize: UInt64 = 0
        var index = 0
        while index < set.clones.count {
            let clone = set.clones[index]
            // The versions of the object this clone holds: the head holds those after the sequence.
            let first: UInt64, last: UInt64
            if clone.id == SnapSet.head {
                first = set.sequence + 1
                last = SnapSet.head
            } else if let oldest = clone.snapshots.first, let newest = clone.snapshots.last {
                first = oldest
                last = newest
            } else {
                // A clone no snapshot reads: librbd gives up on ranges and reads the whole object.
                changed = ExtentSet(0..<UInt64.max)
                existsAtEnd = true
                endSize = .max
                return
            }
            if last < start {
                index += 1
                continue
            }
            if !sawStart {
                if start < first {
                    // The object did not exist at the start: all of it is new.
                    changed.insert(0..<clone.size)
                } else {
                    startSize = clone.size
                }
                sawStart = true
            }
            if end < first { break }
            if end <= last {
                existsAtEnd = true
                endSize = clone.size
                return
            }
            // What changed towards the next version: everything up to the larger size, less what
            // the clone shares with it.
            let overlap = clone.overlap
            let previousSize = clone.size
            index += 1
            guard index < set.clones.count else { continue }
            var toNext = ExtentSet(0..<max(previousSize, set.clones[index].size))
            for range in overlap { toNext.remove(range) }
            changed.formUnion(toNext)
        }
        // The object does not exist at the end: what it held at the start is gone.
        changed = startSize > 0 ? ExtentSet(0..<startSize) : ExtentSet()
    }

    /// Bytes a diff from `start` to `end` reports as data in an object whose first `length` bytes
    /// lie inside the end version's image size: the changed bytes the object holds at the end, or,
    /// for `wholeObject`, all of them if any changed; less, either way, what a truncation cut off
    /// since the start.
    static func dataBytes(_ set: SnapSet, from start: UInt64, to end: UInt64, within length: UInt64, wholeObject: Bool) -> UInt64 {
        let diff = ExactObjectDiff(set, from: start, to: end)
        guard diff.existsAtEnd, !diff.changed.ranges.isEmpty else { return 0 }
        var data = wholeObject ? ExtentSet(0..<length) : diff.changed
        data.remove(length..<UInt64.max)
        // The object's length at the start, as librbd tracks it (0 from the image's creation).
        let startSize = start == 0 ? 0 : ExactObjectDiff(set, from: 0, to: start).endSize
        if diff.endSize < startSize { data.remove(diff.endSize..<startSize) }
        return data.totalLength
    }
}
