import CRBD

extension Image {
    /// Whether `snapshot` is protected (a clone's parent must be). Implements: `rbd_snap_is_protected`.
    public func isProtected(snapshot: String) throws -> Bool {
        var flag: Int32 = 0
        try check(rbd_snap_is_protected(handle, snapshot, &flag), "read protection of snapshot", "\(spec)@\(snapshot)")
        return flag != 0
    }

    /// The clones made from the snapshot this handle reads, as `pool/[namespace/]image`.
    /// Implements: `rbd_list_children3`.
    public func children() throws -> [String] {
        try withGrowingBuffer(
            initialCount: 8, filler: rbd_linked_image_spec_t(),
            operation: "list children of", object: spec,
            call: { rbd_list_children3(handle, $0, &$1) },
            read: { buffer, count in
                let names = buffer.prefix(count).map { child -> String in
                    let namespace = String(cString: child.pool_namespace)
                    let pool = String(cString: child.pool_name)
                    let image = String(cString: child.image_name)
                    return namespace.isEmpty ? "\(pool)/\(image)" : "\(pool)/\(namespace)/\(image)"
                }
                rbd_linked_image_spec_list_cleanup(buffer.baseAddress, count)
                return names
            }
        )
    }

    /// Takes a snapshot of the head; needs a read-write handle. For fixtures and benchmarks:
    /// metering never writes. Implements: `rbd_snap_create`.
    public func createSnapshot(_ snapshot: String) throws {
        try check(rbd_snap_create(handle, snapshot), "create snapshot", "\(spec)@\(snapshot)")
    }

    /// Removes a snapshot, unprotecting it first when asked; fails with `EBUSY` while clones depend
    /// on it. Needs a read-write handle. Implements: `rbd_snap_remove2`.
    public func removeSnapshot(_ snapshot: String, unprotect: Bool) throws {
        let flags: UInt32 = unprotect ? UInt32(RBD_SNAP_REMOVE_UNPROTECT) : 0
        try check(rbd_snap_remove2(handle, snapshot, flags, ignoreProgress, nil), "remove snapshot", "\(spec)@\(snapshot)")
    }
}
