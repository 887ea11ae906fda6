import RBD

/// What one image in the RBD trash costs: measured like a live image, with the trash entry's
/// reason and dates. Trashed images keep every byte until the trash is purged, yet no `rbd ls` and
/// no live sum shows them.
public struct TrashUsage: Sendable, Equatable {
    /// The image's numbers; ``ImageUsage/image`` is the name it had when it was trashed.
    public var usage: ImageUsage
    /// Why it is in the trash.
    public var source: TrashEntry.Source
    /// When it was moved to the trash, in seconds since the epoch.
    public var deletedAt: Double
    /// Until when it is protected from `rbd trash rm` and `rbd trash purge`, in seconds since the epoch.
    public var defermentEndsAt: Double

    public init(usage: ImageUsage, source: TrashEntry.Source, deletedAt: Double, defermentEndsAt: Double) {
        self.usage = usage
        self.source = source
        self.deletedAt = deletedAt
        self.defermentEndsAt = defermentEndsAt
    }

    public init(usage: ImageUsage, entry: TrashEntry) {
        self.init(usage: usage, source: entry.source, deletedAt: entry.deletedAt, defermentEndsAt: entry.defermentEndsAt)
    }

    /// A pool's trash after a scan: what the scan measured, plus the previous numbers of trashed images
    /// it listed but could not measure (not of those that vanished: restored or removed), so that one
    /// bad image, or a time budget that ran out, does not make the trash sums jump.
    public static func keepingFailed(_ measured: [TrashUsage], failures: [ImageFailure], previous: [TrashUsage]) -> [TrashUsage] {
        let failed = Set(failures.filter { !$0.vanished }.map { ImageLocation(pool: $0.pool, namespace: $0.namespace, image: $0.image) })
        guard !failed.isEmpty else { return measured }
        let measuredIDs = Set(measured.map(\.usage.id))
        let kept = previous.filter {
            failed.contains(ImageLocation(pool: $0.usage.pool, namespace: $0.usage.namespace, image: $0.usage.image)) && !measuredIDs.contains($0.usage.id)
        }
        return (measured + kept).sorted { ($0.usage.namespace, $0.usage.image, $0.usage.id) < ($1.usage.namespace, $1.usage.image, $1.usage.id) }
    }
}
