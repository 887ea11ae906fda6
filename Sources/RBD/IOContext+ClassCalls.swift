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
    /// Makes each request's calls in one compound read of its object, with at most `window` reads in
    /// flight: the replies of each request's calls in order, or the error of its read (a failing
    /// call fails its read; a missing object is `.notFound`). Runs on a pool thread.
    /// Implements: `ObjectReadOperation::exec` via `IoCtx::aio_operate`.
    func call(_ requests: [ObjectCalls], window: Int) async throws -> [Result<[[UInt8]], RBDError>] {
        try await inChunks(requests, window: window) { chunk in
            try self.callBlocking(chunk, window: window)
        }
    }

    private func callBlocking(_ requests: [ObjectCalls], window: Int) throws -> [Result<[[UInt8]], RBDError>] {
        let calls = requests.flatMap(\.calls)
        var starts = [0]
        for request in requests { starts.append(starts[starts.count - 1] + request.calls.count) }
        let classNames = calls.map { strdup($0.className) }
        let methods = calls.map { strdup($0.method) }
        let inputs = calls.map { call in
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(call.input.count, 1))
            call.input.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress { UnsafeMutableRawPointer(buffer).copyMemory(from: base, byteCount: call.input.count) }
            }
            return buffer
        }
        defer {
            classNames.forEach { free($0) }
            methods.forEach { free($0) }
            inputs.forEach { $0.deallocate() }
        }
        let classCalls = calls.indices.map { index in
            crbd_class_call(class_name: classNames[index], method: methods[index], input: inputs[index], input_length: calls[index].input.count)
        }
        var results = [Int32](repeating: 0, count: requests.count)
        var answers = [crbd_call_result](repeating: crbd_call_result(), count: calls.count)
        let submitted = withCStrings(requests.map(\.object)) { names in
            crbd_call_objects(handle, names, requests.count, window, classCalls, starts, &results, &answers)
        }
        defer { crbd_free_call_results(&answers, answers.count) }
        try check(submitted, "read objects of", spec)
        return requests.indices.map { index in
            guard results[index] == 0 else {
                return .failure(RBDError(operation: "read", object: "\(spec)/\(requests[index].object)", code: -results[index]))
            }
            return .success((starts[index]..<starts[index + 1]).map { answers[$0].bytes })
        }
    }

    /// Runs `read` over `items` on a pool thread, in chunks long enough to keep a window of
    /// `window` reads full and short enough to notice a cancelled scan between them.
    func inChunks<Item: Sendable, T: Sendable>(
        _ items: [Item], window: Int, _ read: @escaping @Sendable ([Item]) throws -> [Result<T, RBDError>]
    ) async throws -> [Result<T, RBDError>] {
        precondition(window > 0)
        return try await runCancellable { flag in
            var results: [Result<T, RBDError>] = []
            results.reserveCapacity(items.count)
            var start = 0
            while start < items.count {
                if flag.isCancelled { throw RBDError(operation: "read objects of", object: self.spec, code: ECANCELED) }
                let chunk = Array(items[start..<min(start + 16 * window, items.count)])
                results += try read(chunk)
                start += chunk.count
            }
            return results
        }
    }
}

/// Runs `body` with `strings` as an array of C strings (`const char *const *`), freed afterwards.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) throws -> R) rethrows -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return try copies.map { UnsafePointer($0) }.withUnsafeBufferPointer { try body($0.baseAddress) }
}

extension crbd_call_result {
    /// The answer's output, copied out of the memory `crbd_free_call_results` frees.
    var bytes: [UInt8] {
        output_length == 0 ? [] : [UInt8](UnsafeRawBufferPointer(start: output, count: output_length))
    }
}

extension IOContext {
    /// Each read's value, `nil` for an object that does not exist; any other error throws.
    static func existing<T>(_ results: [Result<T, RBDError>]) throws(RBDError) -> [T?] {
        try results.map { result throws(RBDError) in
            switch result {
            case .success(let value): return value
            case .failure(let error) where error.kind == .notFound: return nil
            case .failure(let error): throw error
            }
        }
    }
}
