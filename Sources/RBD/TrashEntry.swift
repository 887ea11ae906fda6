/// An image in the RBD trash of one pool and namespace, as `rbd trash ls --long` shows it.
///
/// A trashed image keeps all its data (and its snapshots) until the trash is purged or the entry
/// removed: it costs what it cost while it was live, but no `rbd ls` shows it.
public struct TrashEntry: Sendable, Equatable {
    /// Why the image is in the trash (`rbd_trash_image_source_t`).
    public enum Source: String, Sendable, Equatable {
        /// `rbd trash mv` (or `rbd rm` with `rbd_move_to_trash_on_remove`).
        case user
        /// rbd-mirror moved it there, e.g. a demoted or resynced image.
        case mirroring
        /// The source of a live migration (`rbd migration prepare`).
        case migration
        /// `rbd rm` is deleting it right now.
        case removing
        /// A parent that was removed while clones still read from it (clone v2 moves it to the trash).
        case userParent = "user_parent"
        /// A source this librbd does not know yet.
        case unknown
    }

    /// The image id, which names its header and data objects and under which it is opened.
    public var id: String
    /// The name the image had when it was moved to the trash.
    public var name: String
    public var source: Source
    /// When the image was moved to the trash, in seconds since the epoch.
    public var deletedAt: Double
    /// Until when `rbd trash rm` refuses to remove it without `--force` (`rbd trash mv --expires-at`),
    /// in seconds since the epoch; equal to ``deletedAt`` when no delay was asked for.
    public var defermentEndsAt: Double

    public init(id: String, name: String, source: Source, deletedAt: Double, defermentEndsAt: Double) {
        self.id = id
        self.name = name
        self.source = source
        self.deletedAt = deletedAt
        self.defermentEndsAt = defermentEndsAt
    }
}
