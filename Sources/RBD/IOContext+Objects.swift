import CRBD

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif

extension IOContext {
    /// Lists every RADOS object of this pool and namespace once and groups the numbered data
    /// objects by block-name prefix: `rbd_data.10a2b3c4d5e6.0000000000000007` becomes object 7 of
    /// prefix `rbd_data.10a2b3c4d5e6`. Object numbers come back sorted.
    ///
    /// The listing includes objects whose head was deleted while snapshots keep clones of them, so
    /// it covers every object any snapshot of an image can hold. Other objects (headers, the
    /// directory, object maps) are skipped. Runs on a pool thread; the cost is one request per
    /// batch of objects, however large the images are. Implements: `rados_nobjects_list_open`,
    /// `rados_nobjects_list_next2`, `rados_nobjects_list_close`.
    public func dataObjects(cancellation: CancellationFlag? = nil) async throws -> [String: [UInt64]] {
        try await runCancellable { flag in
            var list: rados_list_ctx_t?
            try check(rados_nobjects_list_open(self.handle, &list), "list objects of", self.spec)
            defer { rados_nobjects_list_close(list) }
            var objects: [String: [UInt64]] = [:]
            var counted = 0
            while true {
                var entry: UnsafePointer<CChar>?
                var entrySize = 0
                let result = rados_nobjects_list_next2(list, &entry, nil, nil, &entrySize, nil, nil)
                if result == -ENOENT { break }
                try check(result, "list objects of", self.spec)
                counted += 1
                if counted % 4096 == 0, flag.isCancelled || cancellation?.isCancelled == true {
                    throw RBDError(operation: "list objects of", object: self.spec, code: ECANCELED)
                }
                guard let entry, let parsed = Self.parseDataObject(entry, length: entrySize) else { continue }
                objects[parsed.prefix, default: []].append(parsed.number)
            }
            for key in objects.keys { objects[key]!.sort() }
            return objects
        }
    }

    /// `PREFIX.HEX` with 16 lowercase hex digits, as librbd names a format-2 image's data objects
    /// (and a snapshot's object map).
    static func dataObjectName(prefix: String, number: UInt64) -> String {
        let hex = String(number, radix: 16)
        return prefix + "." + String(repeating: "0", count: max(0, 16 - hex.count)) + hex
    }

    /// Splits `PREFIX.HEX` where PREFIX starts with `rbd_data.` (format 2) or `rb.` (format 1).
    static func parseDataObject(_ name: UnsafePointer<CChar>, length: Int) -> (prefix: String, number: UInt64)? {
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(name).assumingMemoryBound(to: UInt8.self), count: length)
        guard bytes.starts(with: "rbd_data.".utf8) || bytes.starts(with: "rb.".utf8),
              let dot = bytes.lastIndex(of: UInt8(ascii: ".")), dot + 1 < length, length - dot - 1 <= 16
        else { return nil }
        var number: UInt64 = 0
        for byte in bytes[(dot + 1)...] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            number = number << 4 | UInt64(digit)
        }
        return (String(decoding: bytes[..<dot], as: UTF8.self), number)
    }
}
