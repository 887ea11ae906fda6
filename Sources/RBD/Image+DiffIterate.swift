import CRBD

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif

extension Image {
    /// What the diff callback decides after each extent.
    public enum DiffStep: Sendable {
        case proceed
        case stop
    }

    /// Reports, extent by extent, what changed in `offset..<offset+length` between `fromSnapshot`
    /// (`nil`: the image's creation) and the snapshot or head this handle reads.
    ///
    /// - `includeParent`: a clone's unwritten ranges count as the parent's data; metering leaves them out.
    /// - `wholeObject`: report whole objects instead of byte extents. With fast-diff and a valid object
    ///   map librbd then answers from the object map alone, otherwise it asks the OSDs for every object.
    ///
    /// `body` runs on this thread, in offset order per object, before the call returns; returning
    /// ``DiffStep/stop`` ends the iteration with an `ECANCELED` error.
    /// Implements: `rbd_diff_iterate2`.
    public func diffIterate(
        from fromSnapshot: String?,
        offset: UInt64,
        length: UInt64,
        includeParent: Bool,
        wholeObject: Bool,
        _ body: (DiffExtent) -> DiffStep
    ) throws {
        try withoutActuallyEscaping(body) { escapable in
            // A closure cannot travel through `void *`; a class instance can, unretained, while
            // `withExtendedLifetime` keeps it alive until the synchronous call returns.
            let box = DiffCallbackBox(escapable)
            let result = withExtendedLifetime(box) {
                rbd_diff_iterate2(
                    handle, fromSnapshot, offset, length,
                    includeParent ? 1 : 0, wholeObject ? 1 : 0,
                    { offset, length, exists, context in
                        let box = Unmanaged<DiffCallbackBox>.fromOpaque(context!).takeUnretainedValue()
                        let extent = DiffExtent(offset: offset, length: UInt64(length), exists: exists != 0)
                        switch box.body(extent) {
                        case .proceed: return 0
                        case .stop: return -ECANCELED
                        }
                    },
                    Unmanaged.passUnretained(box).toOpaque()
                )
            }
            let range = "\(spec) [\(offset), +\(length)) from \(fromSnapshot.map { "@\($0)" } ?? "creation")"
            try check(result, wholeObject ? "diff objects of" : "diff extents of", range)
        }
    }
}

private final class DiffCallbackBox {
    let body: (DiffExtent) -> Image.DiffStep
    init(_ body: @escaping (DiffExtent) -> Image.DiffStep) { self.body = body }
}
