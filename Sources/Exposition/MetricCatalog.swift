/// Every metric rbd-meter exports, in one place: docs/metrics.md, the dashboards and the alert rules rely on
/// these names, and a test checks that every name they use is one of these.
public enum MetricCatalog {
    static let imageLabels = ["pool", "namespace", "image"]
    static let namespaceLabels = ["pool", "namespace"]
    static let poolLabels = ["pool"]
    /// A trashed image: its name need not be unique (an image may be trashed, recreated and trashed
    /// again), its id is.
    static let trashImageLabels = ["pool", "namespace", "image", "id"]
    /// The Kubernetes objects ceph-csi records in an image's metadata, in the order of
    /// ``KubernetesIdentity/labelValues``.
    /// `csi_cluster_name`, not `cluster`: Prometheus setups commonly use `cluster` as an external label.
    static let kubernetesLabels = [
        "pv", "pvc", "pvc_namespace", "volumesnapshot", "volumesnapshot_namespace", "volumesnapshotcontent", "csi_cluster_name",
    ]

    // MARK: Images

    public static let imageProvisionedBytes = MetricFamily(
        "rbd_image_provisioned_bytes", .gauge, labels: imageLabels, help: "Size of the RBD image in bytes.")
    public static let imageUsedBytes = MetricFamily(
        "rbd_image_used_bytes", .gauge, labels: imageLabels,
        help: "Bytes allocated in the image's current state since its creation, without data a clone reads from its parent.")
    public static let imageTotalUsedBytes = MetricFamily(
        "rbd_image_total_used_bytes", .gauge, labels: imageLabels,
        help: "Bytes the image and its snapshots use together (the sum of rbd du's rows for the image).")
    public static let imageSnapshots = MetricFamily(
        "rbd_image_snapshots", .gauge, labels: imageLabels, help: "Number of user snapshots of the image.")
    public static let imageWatchers = MetricFamily(
        "rbd_image_watchers", .gauge, labels: imageLabels,
        help: "Clients watching the image's header, as rbd status lists them: read-write opens, mapped devices, VMs; 0 when nobody has it open.")
    public static let imageParentOverlapBytes = MetricFamily(
        "rbd_image_parent_overlap_bytes", .gauge, labels: imageLabels,
        help: "For a clone, the bytes of its range that still read through to its parent snapshot (rbd info's overlap): shared with the parent, not stored by the clone. Clones only.")
    public static let imageCreatedTimestampSeconds = MetricFamily(
        "rbd_image_created_timestamp_seconds", .gauge, labels: imageLabels, help: "When the image was created, in seconds since the epoch.")
    public static let imageModifiedTimestampSeconds = MetricFamily(
        "rbd_image_modified_timestamp_seconds", .gauge, labels: imageLabels,
        help: "When the image was last written as librbd records it (at most every rbd_mtime_update_interval, 60 s by default), in seconds since the epoch.")
    public static let imageChangedTimestampSeconds = MetricFamily(
        "rbd_image_changed_timestamp_seconds", .gauge, labels: imageLabels,
        help: "When rbd-meter first measured the image's current provisioned, used and total used bytes, in seconds since the epoch: the latest change its scans saw, whatever client wrote (krbd never moves the modify timestamp), at most one scan late.")
    public static let imageOrphanCandidate = MetricFamily(
        "rbd_image_orphan_candidate", .gauge, labels: imageLabels,
        help: "1 when the image names neither a PV nor a VolumeSnapshot in a pool where other images do (ceph-csi metadata): possibly left behind by Kubernetes; 0 otherwise.")
    public static let imageInfo = MetricFamily(
        "rbd_image_info", .gauge,
        labels: imageLabels + ["id", "features", "parent", "method", "object_map_invalid"] + kubernetesLabels,
        help: "Always 1; labels carry the image id, features, parent, how it was measured and its Kubernetes identity (PV, PVC, VolumeSnapshot and cluster name from ceph-csi metadata).")

    // MARK: Namespaces

    public static let namespaceProvisionedBytes = MetricFamily(
        "rbd_namespace_provisioned_bytes", .gauge, labels: namespaceLabels, help: "Sum of the sizes of the namespace's images.")
    public static let namespaceUsedBytes = MetricFamily(
        "rbd_namespace_used_bytes", .gauge, labels: namespaceLabels, help: "Sum of rbd_image_used_bytes over the namespace's images.")
    public static let namespaceTotalUsedBytes = MetricFamily(
        "rbd_namespace_total_used_bytes", .gauge, labels: namespaceLabels, help: "Sum of rbd_image_total_used_bytes over the namespace's images.")
    public static let namespaceImages = MetricFamily(
        "rbd_namespace_images", .gauge, labels: namespaceLabels, help: "Number of images in the namespace.")

    // MARK: Pools

    public static let poolProvisionedBytes = MetricFamily(
        "rbd_pool_provisioned_bytes", .gauge, labels: poolLabels, help: "Sum of the sizes of the pool's images.")
    public static let poolUsedBytes = MetricFamily(
        "rbd_pool_used_bytes", .gauge, labels: poolLabels, help: "Sum of rbd_image_used_bytes over the pool's images.")
    public static let poolTotalUsedBytes = MetricFamily(
        "rbd_pool_total_used_bytes", .gauge, labels: poolLabels, help: "Sum of rbd_image_total_used_bytes over the pool's images.")
    public static let poolImages = MetricFamily(
        "rbd_pool_images", .gauge, labels: poolLabels, help: "Number of images in the pool, all namespaces.")
    public static let poolInvalidObjectMaps = MetricFamily(
        "rbd_pool_invalid_object_maps", .gauge, labels: poolLabels,
        help: "Images whose object map is flagged invalid: librbd silently measures them the slow way; rebuild with rbd object-map rebuild.")
    public static let poolStoredBytes = MetricFamily(
        "rbd_pool_stored_bytes", .gauge, labels: poolLabels, help: "Bytes the pool stores as Ceph reports them (ceph df STORED).")
    public static let poolObjects = MetricFamily(
        "rbd_pool_objects", .gauge, labels: poolLabels, help: "RADOS objects in the pool as Ceph reports them.")
    public static let poolMaxAvailableBytes = MetricFamily(
        "rbd_pool_max_available_bytes", .gauge, labels: poolLabels, help: "Bytes that can still be written to the pool (ceph df MAX AVAIL).")
    public static let poolQuotaBytes = MetricFamily(
        "rbd_pool_quota_bytes", .gauge, labels: poolLabels, help: "The pool's Ceph quota in bytes (max_bytes); 0 when none is set.")
    public static let poolQuotaObjects = MetricFamily(
        "rbd_pool_quota_objects", .gauge, labels: poolLabels, help: "The pool's Ceph quota in objects (max_objects); 0 when none is set.")

    // MARK: Trash

    public static let trashImageProvisionedBytes = MetricFamily(
        "rbd_trash_image_provisioned_bytes", .gauge, labels: trashImageLabels, help: "Size of the image in the RBD trash in bytes.")
    public static let trashImageUsedBytes = MetricFamily(
        "rbd_trash_image_used_bytes", .gauge, labels: trashImageLabels,
        help: "Bytes allocated in the trashed image's current state, as rbd_image_used_bytes counts them for a live image.")
    public static let trashImageTotalUsedBytes = MetricFamily(
        "rbd_trash_image_total_used_bytes", .gauge, labels: trashImageLabels,
        help: "Bytes the trashed image and its snapshots use together; freed only when it is removed from the trash.")
    public static let trashImageDeletedTimestampSeconds = MetricFamily(
        "rbd_trash_image_deleted_timestamp_seconds", .gauge, labels: trashImageLabels,
        help: "When the image was moved to the trash, in seconds since the epoch.")
    public static let trashImageDefermentEndTimestampSeconds = MetricFamily(
        "rbd_trash_image_deferment_end_timestamp_seconds", .gauge, labels: trashImageLabels,
        help: "Until when the trashed image is protected from rbd trash rm and purge, in seconds since the epoch.")
    public static let trashImageInfo = MetricFamily(
        "rbd_trash_image_info", .gauge, labels: trashImageLabels + ["source"] + kubernetesLabels,
        help: "Always 1; source is why the image is in the trash (user, mirroring, migration, removing, user_parent), and the Kubernetes identity it had.")
    public static let namespaceTrashProvisionedBytes = MetricFamily(
        "rbd_namespace_trash_provisioned_bytes", .gauge, labels: namespaceLabels, help: "Sum of the sizes of the images in the namespace's trash.")
    public static let namespaceTrashUsedBytes = MetricFamily(
        "rbd_namespace_trash_used_bytes", .gauge, labels: namespaceLabels, help: "Sum of rbd_trash_image_used_bytes over the namespace's trash.")
    public static let namespaceTrashTotalUsedBytes = MetricFamily(
        "rbd_namespace_trash_total_used_bytes", .gauge, labels: namespaceLabels,
        help: "Sum of rbd_trash_image_total_used_bytes over the namespace's trash; not part of rbd_namespace_total_used_bytes.")
    public static let namespaceTrashImages = MetricFamily(
        "rbd_namespace_trash_images", .gauge, labels: namespaceLabels, help: "Number of images in the namespace's trash.")
    public static let poolTrashProvisionedBytes = MetricFamily(
        "rbd_pool_trash_provisioned_bytes", .gauge, labels: poolLabels, help: "Sum of the sizes of the images in the pool's trash, all namespaces.")
    public static let poolTrashUsedBytes = MetricFamily(
        "rbd_pool_trash_used_bytes", .gauge, labels: poolLabels, help: "Sum of rbd_trash_image_used_bytes over the pool's trash.")
    public static let poolTrashTotalUsedBytes = MetricFamily(
        "rbd_pool_trash_total_used_bytes", .gauge, labels: poolLabels,
        help: "Sum of rbd_trash_image_total_used_bytes over the pool's trash; not part of rbd_pool_total_used_bytes.")
    public static let poolTrashImages = MetricFamily(
        "rbd_pool_trash_images", .gauge, labels: poolLabels, help: "Number of images in the pool's trash, all namespaces.")

    // MARK: Quotas and forecasts

    static let quotaLabels = ["rule", "scope", "pool", "namespace", "image", "pvc_namespace"]

    public static let quotaBytes = MetricFamily(
        "rbd_quota_bytes", .gauge, labels: quotaLabels,
        help: "Byte limit of a quota rule from the config; scope is pool, namespace, image or pvc_namespace, and unused labels are empty.")
    public static let quotaUsedBytes = MetricFamily(
        "rbd_quota_used_bytes", .gauge, labels: quotaLabels, help: "Bytes counted against the quota rule (total used, snapshots included).")
    public static let quotaUsedRatio = MetricFamily(
        "rbd_quota_used_ratio", .gauge, labels: quotaLabels, help: "rbd_quota_used_bytes / rbd_quota_bytes.")
    public static let quotaWarningRatio = MetricFamily(
        "rbd_quota_warning_ratio", .gauge, labels: quotaLabels, help: "The rule's warning threshold as a ratio of its limit.")
    public static let quotaCriticalRatio = MetricFamily(
        "rbd_quota_critical_ratio", .gauge, labels: quotaLabels, help: "The rule's critical threshold as a ratio of its limit.")
    public static let imageGrowthBytesPerDay = MetricFamily(
        "rbd_image_growth_bytes_per_day", .gauge, labels: imageLabels,
        help: "Growth of rbd_image_total_used_bytes per day, a robust least-squares fit over the forecast window of the history.")
    public static let imagePredictedFullTimestampSeconds = MetricFamily(
        "rbd_image_predicted_full_timestamp_seconds", .gauge, labels: imageLabels + ["limit"],
        help: "When the image is predicted to reach its limit (quota or provisioned size), in seconds since the epoch; absent when it does not grow.")
    public static let namespaceGrowthBytesPerDay = MetricFamily(
        "rbd_namespace_growth_bytes_per_day", .gauge, labels: namespaceLabels, help: "Growth of rbd_namespace_total_used_bytes per day.")
    public static let namespacePredictedFullTimestampSeconds = MetricFamily(
        "rbd_namespace_predicted_full_timestamp_seconds", .gauge, labels: namespaceLabels + ["limit"],
        help: "When the namespace is predicted to reach its limit (quota or provisioned size), in seconds since the epoch.")
    public static let poolGrowthBytesPerDay = MetricFamily(
        "rbd_pool_growth_bytes_per_day", .gauge, labels: poolLabels, help: "Growth of rbd_pool_total_used_bytes per day.")
    public static let poolPredictedFullTimestampSeconds = MetricFamily(
        "rbd_pool_predicted_full_timestamp_seconds", .gauge, labels: poolLabels + ["limit"],
        help: "When the pool is predicted to reach its limit (quota, Ceph quota or provisioned size), in seconds since the epoch.")

    // MARK: The exporter

    public static let up = MetricFamily(
        "rbd_meter_up", .gauge, help: "1 if the Ceph monitors answered the latest scan, 0 otherwise; a pool whose OSDs time out shows in rbd_meter_pool_stale instead.")
    public static let scanDurationSeconds = MetricFamily(
        "rbd_meter_scan_duration_seconds", .gauge, labels: poolLabels, help: "Duration of the latest scan of the pool.")
    public static let lastScanSuccessTimestampSeconds = MetricFamily(
        "rbd_meter_last_scan_success_timestamp_seconds", .gauge, help: "When the latest scan that reached every pool ended, in seconds since the epoch.")
    public static let poolLastScanSuccessTimestampSeconds = MetricFamily(
        "rbd_meter_pool_last_scan_success_timestamp_seconds", .gauge, labels: poolLabels,
        help: "When the pool was last scanned to the end, in seconds since the epoch.")
    public static let poolStale = MetricFamily(
        "rbd_meter_pool_stale", .gauge, labels: poolLabels,
        help: "1 when the pool's numbers come from an earlier scan because the latest one failed.")
    public static let scanErrorsTotal = MetricFamily(
        "rbd_meter_scan_errors_total", .counter, labels: ["pool", "reason"],
        help: "Scans of a pool that failed, by reason; pool is empty when the cluster could not be reached at all.")
    public static let imageScanErrorsTotal = MetricFamily(
        "rbd_meter_image_scan_errors_total", .counter, labels: ["pool", "reason"],
        help: "Images listed but not measured, by reason (not_found: deleted or renamed during the scan).")
    public static let historyWriteErrorsTotal = MetricFamily(
        "rbd_meter_history_write_errors_total", .counter,
        help: "Scans that could not be written to the SQLite history (read-only directory, full disk); metrics are still served.")
    public static let historyAvailable = MetricFamily(
        "rbd_meter_history_available", .gauge,
        help: "1 while the SQLite history is open and took the latest scan; 0 when it could not be opened or the latest write failed: reports, forecasts and the incremental first scan after a restart lack data.")
    public static let historyWriteSeconds = MetricFamily(
        "rbd_meter_history_write_seconds", .gauge,
        help: "Time the latest scan took to write to the SQLite history: one transaction, then roll-ups and pruning.")
    public static let scansTotal = MetricFamily(
        "rbd_meter_scans_total", .counter, labels: ["result"], help: "Scans by result: success, partial or failure.")
    public static let scansStartedTotal = MetricFamily(
        "rbd_meter_scans_started_total", .counter,
        help: "Scans begun, connection attempts included; one more than the sum of rbd_meter_scans_total while a scan runs.")
    public static let imagesReused = MetricFamily(
        "rbd_meter_images_reused", .gauge, labels: poolLabels,
        help: "Images of the latest scan whose numbers were reused: their header did not change, or librbd showed the same size, snapshots and modify timestamp.")
    public static let imagesOpened = MetricFamily(
        "rbd_meter_images_opened", .gauge, labels: poolLabels,
        help: "Images of the latest scan opened with librbd; the others were decided unchanged from a read of their header object.")
    public static let clusterReconnectsTotal = MetricFamily(
        "rbd_meter_cluster_reconnects_total", .counter,
        help: "Times the Ceph connection was replaced: a pool kept timing out on it, or its OSDs refused it as blocklisted, while a fresh connection was answered.")
    public static let clusterConnectionInfo = MetricFamily(
        "rbd_meter_cluster_connection_info", .gauge, labels: ["client", "address"],
        help: "Always 1; the Ceph client of the latest scan and the address the cluster sees it at, as ceph osd blocklist ls and the monitors' session lists show it.")
    public static let scanIntervalSeconds = MetricFamily(
        "rbd_meter_scan_interval_seconds", .gauge, help: "Configured time between scans.")
    public static let shards = MetricFamily(
        "rbd_meter_shards", .gauge, labels: ["shard"],
        help: "How many shards the images are split into (scan.shard, --shard; 1 without sharding), labelled with this instance's own shard: fewer instances reporting than this number means a shard is missing.")
    public static let buildInfo = MetricFamily(
        "rbd_meter_build_info", .gauge, labels: ["version"], help: "Always 1; the version of rbd-meter.")

    // MARK: Process

    public static let processCPUSecondsTotal = MetricFamily(
        "process_cpu_seconds_total", .counter, help: "Total user and system CPU time spent in seconds.")
    public static let processResidentMemoryBytes = MetricFamily(
        "process_resident_memory_bytes", .gauge, help: "Resident memory size in bytes.")
    public static let processVirtualMemoryBytes = MetricFamily(
        "process_virtual_memory_bytes", .gauge, help: "Virtual memory size in bytes.")
    public static let processOpenFDs = MetricFamily(
        "process_open_fds", .gauge, help: "Number of open file descriptors.")
    public static let processMaxFDs = MetricFamily(
        "process_max_fds", .gauge, help: "Maximum number of open file descriptors.")
    public static let processStartTimeSeconds = MetricFamily(
        "process_start_time_seconds", .gauge, help: "Start time of the process since unix epoch in seconds.")

    /// Every family above, in the order `/metrics` renders them.
    public static let all: [MetricFamily] = [
        imageProvisionedBytes, imageUsedBytes, imageTotalUsedBytes, imageSnapshots, imageWatchers, imageParentOverlapBytes, imageCreatedTimestampSeconds, imageModifiedTimestampSeconds, imageChangedTimestampSeconds,
        imageOrphanCandidate, imageInfo,
        namespaceProvisionedBytes, namespaceUsedBytes, namespaceTotalUsedBytes, namespaceImages,
        poolProvisionedBytes, poolUsedBytes, poolTotalUsedBytes, poolImages, poolInvalidObjectMaps,
        poolStoredBytes, poolObjects, poolMaxAvailableBytes, poolQuotaBytes, poolQuotaObjects,
        trashImageProvisionedBytes, trashImageUsedBytes, trashImageTotalUsedBytes, trashImageDeletedTimestampSeconds,
        trashImageDefermentEndTimestampSeconds, trashImageInfo,
        namespaceTrashProvisionedBytes, namespaceTrashUsedBytes, namespaceTrashTotalUsedBytes, namespaceTrashImages,
        poolTrashProvisionedBytes, poolTrashUsedBytes, poolTrashTotalUsedBytes, poolTrashImages,
        quotaBytes, quotaUsedBytes, quotaUsedRatio, quotaWarningRatio, quotaCriticalRatio,
        imageGrowthBytesPerDay, imagePredictedFullTimestampSeconds, namespaceGrowthBytesPerDay,
        namespacePredictedFullTimestampSeconds, poolGrowthBytesPerDay, poolPredictedFullTimestampSeconds,
        up, scanDurationSeconds, lastScanSuccessTimestampSeconds, poolLastScanSuccessTimestampSeconds, poolStale,
        scanErrorsTotal, imageScanErrorsTotal, historyWriteErrorsTotal, historyAvailable, historyWriteSeconds, scansTotal, scansStartedTotal, imagesReused, imagesOpened, clusterReconnectsTotal, clusterConnectionInfo,
        scanIntervalSeconds, shards, buildInfo,
        processCPUSecondsTotal, processResidentMemoryBytes, processVirtualMemoryBytes, processOpenFDs,
        processMaxFDs, processStartTimeSeconds,
    ]
}
