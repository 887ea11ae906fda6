extension IOContext {
    /// Object-map reads kept in flight per image: one per snapshot and one for the head.
    public static let objectMapReadWindow = 32

    /// Reads what fast-diff needs of the image whose header reads `header`, without opening it:
    /// each snapshot's metadata and flags from the header (`snapshot_get`, `get_flags`) and the
    /// object maps of the head and of every snapshot (`object_map_load`), all in one batch of
    /// compound reads. Throws when the header or the head's map cannot be read or understood (the
    /// caller falls back to librbd); a snapshot whose map is missing has none in the result.
    /// Runs on a pool thread. Implements: `ObjectReadOperation::exec` via `IoCtx::aio_operate`.
    public func readObjectMaps(of header: ImageHeader, window: Int = objectMapReadWindow) async throws -> ImageObjectMaps {
        let ids = header.snapshotIDs.sorted()
        let load = [ObjectCalls.Call(method: "object_map_load")]
        let snapshotRequest = SnapshotHeader.request(header)
        let requests = (snapshotRequest.map { [$0] } ?? []) + ([nil] + ids).map { id in
            ObjectCalls(object: ImageObjectMaps.objectName(imageID: header.id, snapshot: id), calls: load)
        }
        var replies = try await call(requests, window: window)
        let snapshots = snapshotRequest == nil ? [] : try SnapshotHeader.all(of: header, replies: try replies.removeFirst().get())
        func map(_ reply: Result<[[UInt8]], RBDError>, snapshot: UInt64?) throws(RBDError) -> ObjectMap {
            let name = ImageObjectMaps.objectName(imageID: header.id, snapshot: snapshot)
            return try ObjectMap(reply: try reply.get()[0], what: "rbd.object_map_load of \(name)")
        }
        let head = try map(replies.removeFirst(), snapshot: nil)
        var snapshotMaps: [UInt64: ObjectMap] = [:]
        for (id, reply) in zip(ids, replies) {
            if case .failure(let error) = reply, error.kind == .notFound { continue }
            snapshotMaps[id] = try map(reply, snapshot: id)
        }
        return ImageObjectMaps(snapshots: snapshots, snapshotMaps: snapshotMaps, head: head)
    }

    /// Reads every snapshot's metadata and flags of the image whose header reads `header` from its
    /// header (`snapshot_get`, `get_flags`) in one compound read, oldest first, user or not.
    /// Implements: `ObjectReadOperation::exec` via `IoCtx::aio_operate`.
    public func readSnapshots(of header: ImageHeader) async throws -> [SnapshotHeader] {
        guard let request = SnapshotHeader.request(header) else { return [] }
        return try SnapshotHeader.all(of: header, replies: try await call([request], window: 1)[0].get())
    }
}
