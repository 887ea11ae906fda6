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
}
