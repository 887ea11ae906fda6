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
    public func probeHeaders(imageIDs: [String], window: Int = 256) async throws -> [Result<ObjectProbe, RBDError>] {
        precondition(window > 0)
        return try await cluster.pool.runCancellable { flag in
            var results: [Result<ObjectProbe, RBDError>] = []
            results.reserveCapacity(imageIDs.count)
            // Chunks long enough to keep the window full, short enough to notice a cancelled scan.
            var start = 0
            while start < imageIDs.count {
                if flag.isCancelled { throw RBDError(operation: "read image headers of", object: self.spec, code: ECANCELED) }
                let chunk = imageIDs[start..<min(start + 16 * window, imageIDs.count)]
                results += try self.probeBlocking(objects: chunk.map { "rbd_header.\($0)" }, window: window)
                start += chunk.count
            }
            return results
        }
    }

    private func probeBlocking(objects: [String], window: Int) throws -> [Result<ObjectProbe, RBDError>] {
        let names = objects.map { strdup($0) }
        defer { names.forEach { free($0) } }
        var probes = [crbd_object_probe](repeating: crbd_object_probe(), count: objects.count)
        let submitted = names.map { UnsafePointer($0) }.withUnsafeBufferPointer { names in
            probes.withUnsafeMutableBufferPointer { probes in
                crbd_probe_objects(handle, names.baseAddress, objects.count, window, probes.baseAddress)
            }
        }
        try check(submitted, "read image headers of", spec)
        return zip(objects, probes).map { object, probe in
            guard probe.result == 0 else {
                return .failure(RBDError(operation: "read header", object: "\(spec)/\(object)", code: -probe.result))
            }
            return .success(ObjectProbe(
                version: probe.version, size: probe.size,
                modifiedNanoseconds: probe.mtime_sec * 1_000_000_000 + probe.mtime_nsec,
                watchers: Int(probe.watchers)))
        }
    }
}
