#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif

/// Reads Ceph's little-endian wire encoding (`src/include/encoding.h`): integers as they are,
/// strings and byte lists as a u32 length and the bytes, vectors and maps as a u32 count and the
/// elements, an optional as a presence byte and the value, a versioned struct behind a header of
/// u8 version, u8 compatible version and u32 length.
struct CephDecoder {
    private let bytes: [UInt8]
    private var offset = 0
    /// What the bytes are, for errors: e.g. `rbd.get_size of rbd_header.10ab`.
    let what: String

    init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.what = what
    }

    var isAtEnd: Bool { offset == bytes.count }

    /// Bytes not read yet.
    var remainingCount: Int { bytes.count - offset }

    /// The bytes not read yet, without reading them.
    var remaining: ArraySlice<UInt8> { bytes[offset...] }

    /// The error for a reply whose layout is not the one this code understands.
    func malformed(_ reason: String) -> RBDError {
        RBDError(operation: "decode \(what) (\(reason))", object: what, code: EBADMSG)
    }

    mutating func u8() throws(RBDError) -> UInt8 {
        guard offset < bytes.count else { throw malformed("ends early") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u32() throws(RBDError) -> UInt32 {
        UInt32(truncatingIfNeeded: try little(4))
    }

    mutating func u64() throws(RBDError) -> UInt64 {
        try little(8)
    }

    mutating func i64() throws(RBDError) -> Int64 {
        Int64(bitPattern: try little(8))
    }

    private mutating func little(_ count: Int) throws(RBDError) -> UInt64 {
        guard bytes.count - offset >= count else { throw malformed("ends early") }
        var value: UInt64 = 0
        for index in (0..<count).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
        offset += count
        return value
    }

    /// A vector's or map's u32 element count, refused when the bytes left could not hold that many
    /// elements of at least `minimumBytes` each: a count from the wire must not size an allocation
    /// before it is checked (4 billion snapshot ids would ask for 32 GiB).
    mutating func count(minimumBytes: Int) throws(RBDError) -> Int {
        let count = Int(try u32())
        guard count <= (bytes.count - offset) / max(minimumBytes, 1) else { throw malformed("\(count) elements in \(bytes.count - offset) bytes") }
        return count
    }

    mutating func bytesWithLength() throws(RBDError) -> ArraySlice<UInt8> {
        let count = Int(try u32())
        guard bytes.count - offset >= count else { throw malformed("ends early") }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    /// The next `count` bytes, without a length before them.
    mutating func bytes(_ count: Int) throws(RBDError) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - offset >= count else { throw malformed("ends early") }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func string() throws(RBDError) -> String {
        String(decoding: try bytesWithLength(), as: UTF8.self)
    }

    /// A `utime_t` as seconds since the epoch.
    mutating func time() throws(RBDError) -> Double {
        let seconds = try u32()
        let nanoseconds = try u32()
        return Double(seconds) + Double(nanoseconds) / 1e9
    }

    /// Checks a versioned struct's header: versions up to `known` are understood; newer ones are
    /// read too when they declare themselves compatible with `known`, and their extra fields skipped.
    /// Returns the offset after the struct, for ``skip(to:)``.
    mutating func structHeader(known: UInt8) throws(RBDError) -> Int {
        let version = try u8()
        let compatible = try u8()
        let length = Int(try u32())
        guard version >= 1, compatible <= known else { throw malformed("struct version \(version), compatible \(compatible)") }
        guard bytes.count - offset >= length else { throw malformed("ends early") }
        return offset + length
    }

    mutating func skip(to end: Int) { offset = end }

    func expectEnd() throws(RBDError) {
        guard isAtEnd else { throw malformed("\(bytes.count - offset) bytes left over") }
    }
}
