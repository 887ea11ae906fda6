import Foundation

extension RBDMeterConfig {
    /// The configuration with every default filled in, as JSON in the file's own shape; secrets are
    /// masked. What `rbd-meter check-config` prints.
    public var effectiveJSON: String {
        let tree: JSONValue = [
            "ceph": [
                "conf": .optional(ceph.conf), "id": .string(ceph.id), "keyring": .optional(ceph.keyring),
                "connect_timeout_seconds": .integer(ceph.connectTimeoutSeconds),
                "mon_op_timeout_seconds": .integer(ceph.monitorOperationTimeoutSeconds),
                "osd_op_timeout_seconds": .integer(ceph.osdOperationTimeoutSeconds),
                "options": .object(Dictionary(uniqueKeysWithValues: ceph.options.map { key, value in
                    (key, Self.secretCephOptions.contains(key) ? "********" : .string(value))
                })),
            ],
            "pools": ["names": .strings(poolNames), "include": .strings(poolFilter.include), "exclude": .strings(poolFilter.exclude)],
            "namespaces": ["include": .strings(namespaceFilter.include), "exclude": .strings(namespaceFilter.exclude)],
            "scan": [
                "interval_seconds": .number(scan.intervalSeconds), "jitter": .number(scan.jitter),
                "mode": .string(scan.mode.rawValue), "concurrency": .integer(scan.concurrency),
                "objects_per_range": .integer(scan.objectsPerRange),
                "pool_time_budget_seconds": scan.poolTimeBudgetSeconds.map(JSONValue.number) ?? .null,
                "backoff_max_seconds": .number(scan.backoffMaxSeconds),
                "listing": .bool(scan.listing),
                "full_rescan_every": .integer(scan.fullRescanEvery),
                "reuse_settle_seconds": .number(scan.reuseSettleSeconds),
                "shard": .optional(scan.shard?.description),
            ],
            "pool_settings": .object(Dictionary(uniqueKeysWithValues: aggregateOnlyPools.map { ($0, ["per_image": false] as JSONValue) })),
            "server": [
                "listen": .string(server.host.contains(":") ? "[\(server.host)]:\(server.port)" : "\(server.host):\(server.port)"),
                "readiness_intervals": .number(server.readinessIntervals),
                "shutdown_grace_seconds": .number(server.shutdownGraceSeconds),
                "tls": ["certificate": .optional(server.tls?.certificatePath), "key": .optional(server.tls?.keyPath)],
            ],
            "api": [
                "read_open": .bool(api.readOpen),
                "allow_pool_delete": .bool(api.allowPoolDelete),
                "max_image_size": .integer(Int64(clamping: api.maxImageSizeBytes)),
                "tokens": .array(api.tokens.map { ["name": .string($0.name), "sha256": "********"] }),
                "users": .array(api.users.map { ["name": .string($0.name), "bcrypt": "********"] }),
            ],
            "quotas": .array(quotas.map { rule in
                var entry: [String: JSONValue] = [
                    "name": .string(rule.name), "scope": .string(rule.scope.rawValue), "limit": .integer(Int64(clamping: rule.limitBytes)),
                    "counts": .string(rule.counted.rawValue), "warning_ratio": .number(rule.warningRatio), "critical_ratio": .number(rule.criticalRatio),
                    "pool": .string(rule.pool),
                ]
                switch rule.scope {
                case .pool: break
                case .namespace: entry["namespace"] = .string(rule.namespace)
                case .image: entry["namespace"] = .string(rule.namespace); entry["image"] = .string(rule.image)
                case .pvcNamespace: entry["pvc_namespace"] = .string(rule.pvcNamespace)
                }
                return .object(entry)
            }),
            "forecast": [
                "window_days": .number(forecast.windowDays), "refresh_seconds": .number(forecast.refreshSeconds),
                "min_points": .integer(forecast.minimumPoints),
            ],
            "database": [
                "path": .string(database.path),
                "retention": ["raw_days": .number(database.rawDays), "hourly_days": .number(database.hourlyDays), "daily_days": .number(database.dailyDays)],
            ],
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(tree)) ?? Data(), as: UTF8.self) + "\n"
    }

    /// Ceph options whose value is itself a secret (a `keyring` or `keyfile` is only a path).
    static let secretCephOptions: Set<String> = ["key"]
}
