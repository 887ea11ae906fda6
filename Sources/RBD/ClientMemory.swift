import CRBD

/// glibc malloc settings for a process that keeps a Ceph client open for a long time.
///
/// librbd allocates heavily on many threads while it opens images, and a `/metrics` body of ten
/// thousand images is several megabytes. With glibc's defaults the mmap threshold grows after the
/// first large buffer is freed, so later ones come from the heap arenas, and freed arena memory
/// stays resident: the live heap of `serve` stayed under 20 MB while its resident size climbed by
/// about 10 MB a scan, past 190 MB after eight scans of 10,000 images. A fixed mmap threshold hands
/// large buffers back to the kernel when they are freed, and a low trim threshold returns the tops
/// of the arenas; resident size then levels off near 105 MB, and scans take as long as before.
/// (Capping the number of arenas saved as much but made scans a third slower.)
public enum ClientMemory {
    /// Applies the settings; call it once, early, in a long-running process.
    public static func tuneForDaemon() {
        _ = mallopt(M_MMAP_THRESHOLD, 256 * 1024)
        _ = mallopt(M_TRIM_THRESHOLD, 1024 * 1024)
    }
}
