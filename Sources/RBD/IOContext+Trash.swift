import CRBD

extension IOContext {
    /// The images in the RBD trash of this pool and namespace (what `rbd trash ls --all --long` lists).
    /// Implements: `rbd_trash_list`, `rbd_trash_list_cleanup`.
    public func trashImages() async throws -> [TrashEntry] {
        try await run { try self.trashImagesBlocking() }
    }

    func trashImagesBlocking() throws -> [TrashEntry] {
        do {
            return try withGrowingBuffer(
                initialCount: 32, filler: rbd_trash_image_info_t(),
                operation: "list trash of", object: spec,
                call: { rbd_trash_list(handle, $0, &$1) },
                read: { buffer, count in
                    let entries = buffer.prefix(count).map { info in
                        TrashEntry(
                            id: String(cString: info.id), name: String(cString: info.name),
                            source: TrashEntry.Source(info.source),
                            deletedAt: Double(info.deletion_time), defermentEndsAt: Double(info.deferment_end_time))
                    }
                    rbd_trash_list_cleanup(buffer.baseAddress, count)
                    return entries
                }
            )
        } catch let error as RBDError where error.kind == .notFound {
            return []  // a pool or namespace whose trash was never used has no rbd_trash object
        }
    }
}

extension TrashEntry.Source {
    init(_ source: rbd_trash_image_source_t) {
        switch source {
        case RBD_TRASH_IMAGE_SOURCE_USER: self = .user
        case RBD_TRASH_IMAGE_SOURCE_MIRRORING: self = .mirroring
        case RBD_TRASH_IMAGE_SOURCE_MIGRATION: self = .migration
        case RBD_TRASH_IMAGE_SOURCE_REMOVING: self = .removing
        case RBD_TRASH_IMAGE_SOURCE_USER_PARENT: self = .userParent
        default: self = .unknown
        }
    }
}
