import RBD

/// librbd's fast-diff, computed from object maps read directly: which objects a whole-object
/// `rbd_diff_iterate2` reports as holding data that changed between two versions of an image
/// (`src/librbd/object_map/DiffRequest.cc`, in its diff-iterate mode, and `api/DiffIterate.cc`).
struct ObjectMapDiff {
    /// One version of the image in the chain the diff walks: a snapshot or the head.
    struct Version {
        var map: ObjectMap
        /// The image size at this version.
        var size: UInt64
    }

    /// librbd's `DIFF_STATE_*`: whether an object holds data, and whether that changed.
    private enum State: UInt8 {
        case hole, data, holeUpdated, dataUpdated
    }

    var objectSize: UInt64

    /// The objects that hold data at the last of `steps` and changed since `start`, ascending: those
    /// a whole-object diff reports as existing.
    ///
    /// - Parameters:
    ///   - start: the version the diff starts from, `nil` for the image's creation (then only the
    ///     end version matters and `steps` is that version alone).
    ///   - steps: every version after `start` whose map exists, oldest first, ending with the
    ///     version measured: a change in any of them counts, an object removed and written again
    ///     too.
    /// - Returns: `nil` when a map covers fewer objects than its version's size needs (librbd
    ///   refuses it too, and measures without the maps).
    func changedObjects(from start: Version?, steps: [Version]) -> [UInt64]? {
        precondition(!steps.isEmpty)
        var states: [State] = []
        if let start {
            guard let count = objects(in: start) else { return nil }
            states = (0..<count).map { object in
                switch start.map[object] {
                case .nonexistent: .hole
                // An object being removed when the snapshot was taken counts as changed after it.
                case .pending: .dataUpdated
                case .exists, .existsClean: .data
                }
            }
        }
        for (index, version) in steps.enumerated() {
            guard let count = objects(in: version) else { return nil }
            let isEnd = index == steps.count - 1
            let overlap = min(UInt64(states.count), count)
            // A shrink forgets the objects cut off; a growth adds objects that did not exist before.
            states.removeLast(states.count - Int(overlap))
            for object in 0..<overlap {
                let exists = version.map[object].exists
                let index = Int(object)
                switch states[index] {
                case .hole:
                    // From a hole only the end version matters: data written and removed in between is no change.
                    if exists && isEnd { states[index] = .dataUpdated }
                case .data:
                    if !exists {
                        states[index] = .holeUpdated
                    } else if version.map[object] != .existsClean {
                        states[index] = .dataUpdated
                    }
                case .holeUpdated:
                    if exists { states[index] = .dataUpdated }
                case .dataUpdated:
                    if !exists { states[index] = .holeUpdated }
                }
            }
            for object in overlap..<count {
                states.append(version.map[object].exists && isEnd ? .dataUpdated : .hole)
            }
        }
        return states.indices.compactMap { states[$0] == .dataUpdated ? UInt64($0) : nil }
    }

    /// The objects `version`'s size spans, `nil` if its map covers fewer.
    private func objects(in version: Version) -> UInt64? {
        let count = (version.size + objectSize - 1) / objectSize
        return version.map.count >= count ? count : nil
    }
}
