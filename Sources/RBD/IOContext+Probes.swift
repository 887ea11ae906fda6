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
        return try results.map { result throws(RBDError) in
            switch result {
            case .success(let probe): return probe.size
            case .failure(let error) where error.kind == .notFound: return nil
            case .failure(let error): throw error
            }
        }
    }

    /// Runs `read` over `imageIDs` on a pool thread, in chunks long enough to keep a window of
    /// `window` reads full and short enough to notice a cancelled scan between them.
    private func inChunks<T: Sendable>(
        _ imageIDs: [String], window: Int, _ read: @escaping @Sendable ([String]) throws -> [Result<T, RBDError>]
    ) async throws -> [Result<T, RBDError>] {
        precondition(window > 0)
        return try await cluster.pool.runCancellable { flag in
            var results: [Result<T, RBDError>] = []
            results.reserveCapacity(imageIDs.count)
            var start = 0
            while start < imageIDs.count {
                if flag.isCancelled { throw RBDError(operation: "read image headers of", object: self.spec, code: ECANCELED) }
                let chunk = Array(imageIDs[start..<min(start + 16 * window, imageIDs.count)])
                results += try read(chunk)
                start += chunk.count
            }
            return results
        }
    }

    private func probeBlocking(objects: [String], watchers: Bool, window: Int) throws -> [Result<ObjectProbe, RBDError>] {
        let names = objects.map { strdup($0) }
        defer { names.forEach { free($0) } }
        var probes = [crbd_object_probe](repeating: crbd_object_probe(), count: objects.count)
        let submitted = names.map { UnsafePointer($0) }.withUnsafeBufferPointer { names in
            probes.withUnsafeMutableBufferPointer { probes in
                crbd_probe_objects(handle, names.baseAddress, objects.count, window, watchers ? 1 : 0, probes.baseAddress)
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

    /// Reads what a scan needs of each format-2 image in `imageIDs` from its header object, through
    /// the `rbd` object class methods librbd itself calls at open time (see ``ImageHeader``): one
    /// compound read per image, many in flight, no librbd open, no watch.
    ///
    /// Results come back in the order of `imageIDs`. A reply this code does not understand is an
    /// `EBADMSG` error in its place, so that the caller falls back to librbd; so is a read that one
    /// method failed (an OSD without `parent_get`, a deleted image). Runs on a pool thread.
    /// Implements: `ObjectReadOperation::exec` via `IoCtx::aio_operate`.
    public func readImageHeaders(imageIDs: [String], window: Int = headerReadWindow) async throws -> [Result<ImageHeader, RBDError>] {
        try await inChunks(imageIDs, window: window) { chunk in
            try self.readHeadersBlocking(imageIDs: chunk, window: window)
        }
    }

    private func readHeadersBlocking(imageIDs: [String], window: Int) throws -> [Result<ImageHeader, RBDError>] {
        let calls = ImageHeader.calls
        let names = imageIDs.map { strdup("rbd_header.\($0)") }
        let className = strdup("rbd")
        let methods = calls.map { strdup($0.method) }
        let inputs = calls.map { call in
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(call.input.count, 1))
            call.input.withUnsafeBytes { bytes in
                UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress!, byteCount: call.input.count)
            }
            return buffer
        }
        defer {
            names.forEach { free($0) }
            free(className)
            methods.forEach { free($0) }
            inputs.forEach { $0.deallocate() }
        }
        let classCalls = calls.indices.map { index in
            crbd_class_call(class_name: className, method: methods[index], input: inputs[index], input_length: calls[index].input.count)
        }
        var results = [Int32](repeating: 0, count: imageIDs.count)
        var answers = [crbd_call_result](repeating: crbd_call_result(), count: imageIDs.count * calls.count)
        let submitted = names.map { UnsafePointer($0) }.withUnsafeBufferPointer { names in
            crbd_call_objects(handle, names.baseAddress, imageIDs.count, window, classCalls, calls.count, &results, &answers)
        }
        defer { crbd_free_call_results(&answers, answers.count) }
        try check(submitted, "read image headers of", spec)
        return imageIDs.indices.map { index in
            guard results[index] == 0 else {
                return .failure(RBDError(operation: "read header", object: "\(spec)/rbd_header.\(imageIDs[index])", code: -results[index]))
            }
            let replies = (0..<calls.count).map { call in
                let answer = answers[index * calls.count + call]
                return answer.output_length == 0 ? [] : [UInt8](UnsafeRawBufferPointer(start: answer.output, count: answer.output_length))
            }
            return Result { () throws(RBDError) in try ImageHeader(id: imageIDs[index], replies: replies) }
        }
    }
}
