import GRDB

/// The schema, as named migrations that are only ever appended to.
enum HistoryMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: scans, images, samples, roll-ups") { db in
            try db.create(table: "scan") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("started_at", .double).notNull()
                t.column("finished_at", .double).notNull()
                t.column("status", .text).notNull()
                t.column("mode", .text).notNull()
                t.column("images", .integer).notNull()
                t.column("error", .text)
            }
            try db.create(table: "image") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("pool", .text).notNull()
                t.column("namespace", .text).notNull()
                t.column("name", .text).notNull()
                t.column("image_id", .text).notNull()
                t.uniqueKey(["pool", "namespace", "name", "image_id"])
            }
            try db.create(table: "sample") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("image_ref", .integer).notNull().references("image", onDelete: .cascade)
                t.column("first_scan_id", .integer).notNull()
                t.column("last_scan_id", .integer).notNull()
                t.column("first_at", .double).notNull()
                t.column("last_at", .double).notNull()
                t.column("provisioned_bytes", .integer).notNull()
                t.column("used_bytes", .integer).notNull()
                t.column("total_used_bytes", .integer).notNull()
            }
            try db.create(index: "sample_by_image", on: "sample", columns: ["image_ref", "id"])
            try db.create(index: "sample_by_time", on: "sample", columns: ["last_at", "first_at"])
            try db.create(table: "rollup") { t in
                t.column("image_ref", .integer).notNull().references("image", onDelete: .cascade)
                t.column("resolution", .text).notNull()
                t.column("bucket_start", .double).notNull()
                t.column("covered_seconds", .double).notNull()
                t.column("used_avg", .double).notNull()
                t.column("used_max", .integer).notNull()
                t.column("total_used_avg", .double).notNull()
                t.column("total_used_max", .integer).notNull()
                t.column("provisioned_max", .integer).notNull()
                t.primaryKey(["resolution", "bucket_start", "image_ref"])
            }
            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .double).notNull()
            }
        }
        migrator.registerMigration("v2: Kubernetes identity of images") { db in
            try db.alter(table: "image") { t in
                t.add(column: "pv", .text).notNull().defaults(to: "")
                t.add(column: "pvc", .text).notNull().defaults(to: "")
                t.add(column: "pvc_namespace", .text).notNull().defaults(to: "")
            }
        }
        migrator.registerMigration("v3: watchers of samples, the trash of each pool") { db in
            // NULL for samples written before: whether anyone had the image open was not recorded.
            try db.alter(table: "sample") { t in
                t.add(column: "watchers", .integer)
            }
            // The trash as the latest complete scan of each pool found it; not a history.
            try db.create(table: "trash_image") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("scan_id", .integer).notNull()
                t.column("at", .double).notNull()
                t.column("pool", .text).notNull()
                t.column("namespace", .text).notNull()
                t.column("name", .text).notNull()
                t.column("image_id", .text).notNull()
                t.column("source", .text).notNull()
                t.column("deleted_at", .double).notNull()
                t.column("deferment_end_at", .double).notNull()
                t.column("provisioned_bytes", .integer).notNull()
                t.column("used_bytes", .integer).notNull()
                t.column("total_used_bytes", .integer).notNull()
            }
            try db.create(index: "trash_image_by_pool", on: "trash_image", columns: ["pool"])
        }
        migrator.registerMigration("v4: the VolumeSnapshot an image backs") { db in
            try db.alter(table: "image") { t in
                t.add(column: "volumesnapshot", .text).notNull().defaults(to: "")
                t.add(column: "volumesnapshot_namespace", .text).notNull().defaults(to: "")
            }
        }
        migrator.registerMigration("v5: what incremental scans reuse, across restarts") { db in
            try db.create(table: "reuse_image") { t in
                t.primaryKey("spec", .text)
                t.column("pool", .text).notNull()
                t.column("usage", .text).notNull()
            }
            try db.create(index: "reuse_image_by_pool", on: "reuse_image", columns: ["pool"])
        }
        return migrator
    }
}
