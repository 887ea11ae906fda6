import Foundation
import Metering
import PrometheusHistory

extension RBDMeterConfig {
    /// The configuration with every default filled in, as JSON in the file's own shape; secrets are
    /// masked. What `rbd-meter check-config` prints.
    public func effectiveJSON() throws -> String {
        let tree: JSONValue = [
            "ceph": [
                "conf": .optional(ceph.configFile), "id": .string(ceph.clientID), "keyring": .optional(ceph.keyring),
                "mon_host": .optional(ceph.monitorHosts), "key_file": .optional(ceph.keyFile),
                "connect_timeout_seconds": .integer(Int64(ceph.connectTimeout)),
                "mon_op_timeout_seconds": .integer(Int64(ceph.monitorOperationTimeout)),
                "osd_op_timeout_seconds": .integer(Int64(ceph.osdOperationTimeout)),
                "options": .object(Dictionary(uniqueKeysWithValues: ceph.settings.map { key, value in
                    (key, Self.secretCephOptions.contains(key) ? "********" : .string(value))
                })),
            ],
            "pools": ["names": .strings(scan.pools), "include": .strings(scan.poolFilter.include), "exclude": .strings(scan.poolFilter.exclude)],
            "namespaces": ["include": .strings(scan.namespaceFilter.include), "exclude": .strings(scan.namespaceFilter.exclude)],
            "scan": [
                "interval_seconds": .number(timing.interval.inSeconds), "jitter": .number(timing.jitter),
                "mode": .string(scan.mode.rawValue), "concurrency": .integer(Int64(scan.concurrency)),
                "objects_per_range": .integer(Int64(scan.objectsPerRange)),
                "pool_time_budget_seconds": scan.poolTimeBudget.map { .number($0.inSeconds) } ?? .null,
                "backoff_max_seconds": .number(timing.maximumBackoff.inSeconds),
                "listing": .bool(scan.useListing),
                "full_rescan_seconds": .number(scan.fullRescanSeconds),
                "reuse_settle_seconds": .number(scan.reuseSettleSeconds),
                "librbd_only": .bool(scan.librbdOnly),
                "shard": .optional(scan.shard?.description),
            ],
            "pool_settings": .object(Dictionary(uniqueKeysWithValues: server.exposition.perImagePools.exclude.map { ($0, ["per_image": false] as JSONValue) })),
            "server": [
                "listen": .string(server.listenAddress),
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
                "ceph": api.cephIdentity.map { identity in
                    ["id": .string(identity.clientID), "keyring": .optional(identity.keyring), "key_file": .optional(identity.keyFile)]
                } ?? .null,
            ],
            "quotas": .array(quotas.map { rule in
                var entry: [String: JSONValue] = [
                    "name": .string(rule.name), "scope": .string(rule.scope.rawValue), "limit": .integer(Int64(clamping: rule.limitBytes)),
                    "counts": .string(rule.counted.rawValue), "warning_ratio": .number(rule.warningRatio), "critical_ratio": .number(rule.criticalRatio),
                    "include_trash": .bool(rule.includesTrash),
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
                "window_days": .number(forecast.windowDays), "refresh_seconds": .number(forecastRefreshSeconds),
                "min_points": .integer(Int64(forecast.minimumPoints)),
            ],
            "database": [
                "path": .string(databasePath),
                "retention": ["raw_days": .number(retention.rawDays), "hourly_days": .number(retention.hourlyDays), "daily_days": .number(retention.dailyDays)],
            ],
            "prometheus": prometheusJSON,
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(tree), as: UTF8.self) + "\n"
    }

    /// `prometheus` with its defaults; the secrets are files, so their paths are shown.
    var prometheusJSON: JSONValue {
        var token: String?
        var basic: (username: String, passwordFile: String)?
        switch prometheus?.authorization ?? .none {
        case .bearerTokenFile(let path): token = path
        case .basic(let username, let passwordFile): basic = (username, passwordFile)
        case .none: break
        }
        return [
            "url": .optional(prometheus?.url), "match": .string(prometheus?.match ?? ""), "bearer_token_file": .optional(token),
            "basic_auth": ["username": .optional(basic?.username), "password_file": .optional(basic?.passwordFile)],
            "ca_file": .optional(prometheus?.caFile),
            "timeout_seconds": .number(prometheus?.timeoutSeconds ?? PrometheusEndpoint.defaultTimeoutSeconds),
        ]
    }

    /// Ceph options whose value is itself a secret (a `keyring` or `keyfile` is only a path).
    static let secretCephOptions: Set<String> = ["key"]
}
