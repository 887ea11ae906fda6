import CRBD

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif

/// Calls a librados/librbd list function that answers `-ERANGE` (and the size it needs) when the
/// buffer is too small, retrying with a bigger one; `read` sees the filled buffer and the count.
func withGrowingBuffer<Element, Result>(
    initialCount: Int,
    filler: Element,
    operation: @autoclosure () -> String,
    object: @autoclosure () -> String,
    call: (UnsafeMutablePointer<Element>, inout Int) -> Int32,
    read: (UnsafeMutableBufferPointer<Element>, Int) throws -> Result
) throws -> Result {
    var capacity = max(initialCount, 1)
    while true {
        var buffer = [Element](repeating: filler, count: capacity)
        var count = capacity
        let outcome: Result? = try buffer.withUnsafeMutableBufferPointer { pointer in
            let result = call(pointer.baseAddress!, &count)
            if result == -ERANGE { return nil }
            try check(result, operation(), object())
            return try read(pointer, count)
        }
        if let outcome { return outcome }
        // Some calls report the size they need, others only that it was too small.
        capacity = max(count, capacity * 2)
    }
}

/// Splits a buffer of NUL-terminated strings, ended by an empty string or by `length`.
func nulSeparatedStrings(_ buffer: UnsafeMutableBufferPointer<CChar>, length: Int) -> [String] {
    var names: [String] = []
    var start = 0
    let end = min(length, buffer.count)
    while start < end {
        var stop = start
        while stop < end && buffer[stop] != 0 { stop += 1 }
        if stop == start { break }
        let bytes = UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[start..<stop])
        names.append(String(decoding: bytes, as: UTF8.self))
        start = stop + 1
    }
    return names
}
