import CRBD
import CRBDObjects

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif

extension IOContext {
    /// Header reads kept in flight by default: enough to hide the round trips of a few thousand
    /// images, far below librados' own throttle (`objecter_inflight_ops`, 1024).
    public static let headerReadWindow = 256

    /// Reads the header object (`rbd_header.ID`) of each format-2 image in `imageIDs`, with many reads
    /// in flight at once: its version and modification time (which move with every change librbd
    /// makes to the image's size, snapshots, metadata, features, locks and modify timestamp) and its
    /// watchers (clients that have the image open or mapped, as `rbd status` lists them).
    ///
    /// Costs one small compound read per image and no librbd open. Results come back in the order
    /// of `imageIDs`; a missing header (a deleted image) is a `.notFound` error in its place, and a
    /// timeout of one read fails only that read. Runs on a pool thread.
    /// Implements: `ObjectReadOperation::stat2` + `list_watchers` via `IoCtx::aio_operate`.
    ///
    /// - Parameter window: reads kept in flight; librados throttles beyond `objecter_inflight_ops`.
    public func probeHeaders(imageIDs: [String], window: Int = headerReadWindow) async throws -> [Result<ObjectProbe, RBDError>] {
        try await inChunks(imageIDs, window: window) { chunk in
            try self.probeBlocking(objects: chunk.map { "rbd_header.\($0)" }, watchers: true, window: window)
        }
    }

    /// The data length of each object `prefix.NUMBER` of `objects` (`rbd_data.ID.%016x`), `nil` for one
    /// that does not exist: an object never snapshotted holds its bytes from offset 0 to its length,
    /// RADOS keeps no holes inside it, so this is what an exact diff of it reports. Many stats in
    /// flight at once; a timeout throws. Runs on a pool thread. Implements: `ObjectReadOperation::stat2`.
    public func dataObjectLengths(prefix: String, objects: [UInt64], window: Int = 64) async throws -> [UInt64?] {
        let names = objects.map { Self.dataObjectName(prefix: prefix, number: $0) }
        let results = try await inChunks(names, window: window) { chunk in
            try self.probeBlocking(objects: chunk, watchers: false, window: window)
        }
        return try Self.existing(results).map { $0?.size }
    }

    private func probeBlocking(objects: [String], watchers: Bool, window: Int) throws -> [Result<ObjectProbe, RBDError>] {
        var probes = [crbd_object_probe](repeating: crbd_object_probe(), count: objects.count)
        let submitted = withCStrings(objects) { names in
            probes.withUnsafeMutableBufferPointer { probes in
                crbd_probe_objects(handle, names, objects.count, window, watchers ? 1 : 0, probes.baseAddress)
            }
        }
        try check(submitted, "read image headers of", spec)
        return zip(objects, probes).map { object, probe in
            guard probe.result == 0 else {
                return .failure(RBDError(operation: "stat", object: "\(spec)/\(object)", code: -probe.result))
            }
            return .success(ObjectProbe(
                version: probe.version, size: probe.size,
                modifiedNanoseconds: probe.mtime_sec * 1_000_000_000 + probe.mtime_nsec,
                watchers: Int(probe.watchers)))
        }
    }

    /// The clones of each object `prefix.NUMBER` of `objects` (`rbd_data.ID.%016x`), `nil` for one
    /// that neither exists nor has a clone: what an exact diff between snapshots reads of an object,
    /// for many objects at once instead of one librbd diff per snapshot. A timeout throws. Runs on
    /// a pool thread. Implements: `ObjectReadOperation::list_snaps` on the snapshot directory.
    public func snapSets(prefix: String, objects: [UInt64], window: Int = 64) async throws -> [SnapSet?] {
        let names = objects.map { Self.dataObjectName(prefix: prefix, number: $0) }
        let results = try await inChunks(names, window: window) { chunk in
            try self.listClonesBlocking(objects: chunk, window: window)
        }
        return try Self.existing(results)
    }

    private func listClonesBlocking(objects: [String], window: Int) throws -> [Result<SnapSet, RBDError>] {
        var answers = [crbd_call_result](repeating: crbd_call_result(), count: objects.count)
        let submitted = withCStrings(objects) { names in
            crbd_list_clones(handle, names, objects.count, window, &answers)
        }
        defer { crbd_free_call_results(&answers, answers.count) }
        try check(submitted, "list clones of objects of", spec)
        return zip(objects, answers).map { object, answer in
            guard answer.result == 0 else {
                return .failure(RBDError(operation: "list clones of", object: "\(spec)/\(object)", code: -answer.result))
            }
            return Result { () throws(RBDError) in try SnapSet(encoded: answer.bytes, what: "clones of \(spec)/\(object)") }
        }
    }

    /// Reads what a scan needs of each format-2 image in `imageIDs` from its header object, through
    /// the `rbd` object class methods librbd itself calls at open time (see ``ImageHeader``): one
    /// compound read per image, many in flight, no librbd open, no watch.
    ///
    /// Results come back in the order of `imageIDs`. A reply this code does not understand is an
    /// `EBADMSG` error in its place, so that the caller falls back to librbd; so is a read that one
    /// method failed (an OSD without `parent_get`, a deleted image). Runs on a pool thread.
    /// Implements: `ObjectReadOperation::exec` via `IoCtx::aio_operate`.
    public func readImageHeaders(imageIDs: [String], window: Int = headerReadWindow) async throws -> [Result<ImageHeader, RBDError>] {
        let replies = try await call(imageIDs.map { ObjectCalls(object: "rbd_header.\($0)", calls: ImageHeader.calls) }, window: window)
        return zip(imageIDs, replies).map { id, reply in
            reply.flatMap { replies in Result { () throws(RBDError) in try ImageHeader(id: id, replies: replies) } }
        }
    }

    /// The id of each format-2 image in `names`, from its `rbd_id.NAME` object, as librbd finds an
    /// image opened by name; `nil` for a name without one (no such image, or a format-1 image).
    /// One read per name, many in flight. Implements: `cls_rbd` `get_id`.
    public func imageIDs(named names: [String], window: Int = headerReadWindow) async throws -> [String?] {
        let replies = try await call(names.map { ObjectCalls(object: "rbd_id.\($0)", calls: [.init(method: "get_id")]) }, window: window)
        let ids = zip(names, replies).map { name, reply in
            reply.flatMap { replies in
                Result { () throws(RBDError) in
                    var decoder = CephDecoder(replies.first ?? [], what: "rbd.get_id of \(spec)/rbd_id.\(name)")
                    return try decoder.string()
                }
            }
        }
        return try Self.existing(ids)
    }
}
