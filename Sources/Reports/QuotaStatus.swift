import Metering

/// Where one quota rule stands for one pool, namespace, image or Kubernetes namespace.
public struct QuotaStatus: Sendable, Equatable {
    public enum Level: String, Sendable, Comparable {
        case ok, warning, critical

        private var rank: Int { self == .ok ? 0 : self == .warning ? 1 : 2 }
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rank < rhs.rank }
    }

    public var rule: QuotaRule
    /// What the status is about; fields the scope does not use are empty.
    public var pool: String
    public var namespace: String
    public var image: String
    public var pvcNamespace: String
    public var usedBytes: UInt64

    public var ratio: Double { rule.limitBytes == 0 ? 0 : Double(usedBytes) / Double(rule.limitBytes) }

    public var level: Level {
        ratio >= rule.criticalRatio ? .critical : ratio >= rule.warningRatio ? .warning : .ok
    }

    /// `pool`, `pool/namespace`, `pool/[namespace/]image` or `k8s:namespace`, for people.
    public var subject: String {
        switch rule.scope {
        case .pool: pool
        case .namespace: namespace.isEmpty ? "\(pool)/(default)" : "\(pool)/\(namespace)"
        case .image: namespace.isEmpty ? "\(pool)/\(image)" : "\(pool)/\(namespace)/\(image)"
        case .pvcNamespace: "k8s:\(pvcNamespace)"
        }
    }
}

/// Evaluates quota rules against a snapshot of images.
public enum QuotaEvaluator {
    /// One status per rule and subject, in rule order, then by subject.
    public static func evaluate(_ rules: [QuotaRule], pools: [PoolState]) -> [QuotaStatus] {
        var statuses: [QuotaStatus] = []
        for rule in rules {
            var sums: [[String]: UInt64] = [:]
            // Subjects with no image still count, with zero bytes, so that a rule shows up at once.
            for pool in pools where GlobFilter.match(rule.pool, pool.pool) {
                switch rule.scope {
                case .pool: sums[[pool.pool, "", "", ""], default: 0] += 0
                case .namespace:
                    for namespace in pool.namespaces where GlobFilter.match(rule.namespace, namespace) {
                        sums[[pool.pool, namespace, "", ""], default: 0] += 0
                    }
                case .image, .pvcNamespace: break
                }
                let trashed = rule.includesTrash ? pool.trash.map(\.usage) : []
                for image in pool.images + trashed where rule.covers(image) {
                    let key: [String]
                    switch rule.scope {
                    case .pool: key = [image.pool, "", "", ""]
                    case .namespace: key = [image.pool, image.namespace, "", ""]
                    case .image: key = [image.pool, image.namespace, image.image, ""]
                    case .pvcNamespace: key = ["", "", "", image.kubernetes.pvcNamespace]
                    }
                    sums[key, default: 0] += rule.bytes(of: image)
                }
            }
            for key in sums.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                statuses.append(QuotaStatus(rule: rule, pool: key[0], namespace: key[1], image: key[2], pvcNamespace: key[3], usedBytes: sums[key]!))
            }
        }
        return statuses
    }
}

extension QuotaStatus {
    /// One rule and subject as the JSON outputs write it (`rbd-meter quota`, the report's
    /// `overQuota`): numbers as numbers.
    public struct Row: Encodable, Sendable {
        var level: String
        var rule: String
        var scope: String
        var subject: String
        var usedBytes: UInt64
        var limitBytes: UInt64
        var ratio: Double
    }

    public var row: Row {
        Row(level: level.rawValue, rule: rule.name, scope: rule.scope.rawValue, subject: subject, usedBytes: usedBytes, limitBytes: rule.limitBytes, ratio: ratio)
    }
}
