import Foundation
import Metering
import RBD
import Reports
import Server

/// rbd-meter's configuration, as read from `config.json` with every default filled in.
///
/// Reading is strict: an unknown key, a value of the wrong type or out of range fails with a
/// ``ConfigError`` that names the file and the key. Every key is documented in the README and shown
/// with its default in the example `config.json`.
public struct RBDMeterConfig: Sendable {
    /// The `ceph` section: how to reach the cluster.
    public struct Ceph: Sendable {
        public var conf: String?
        public var id = "admin"
        public var keyring: String?
        public var connectTimeoutSeconds: Int64 = 10
        public var monitorOperationTimeoutSeconds: Int64 = 30
        public var osdOperationTimeoutSeconds: Int64 = 60
        /// Further Ceph client options, e.g. `"rbd_concurrent_management_ops": "20"`.
        public var options: [String: String] = [:]
    }

    /// The `scan` section: what a scan covers and how often it runs.
    public struct Scan: Sendable {
        public var intervalSeconds: Double = 300
        public var jitter: Double = 0.1
        public var mode: UsageMode = .exact
        public var concurrency: Int64 = 8
        public var objectsPerRange: Int64 = 1024
        public var poolTimeBudgetSeconds: Double?
        public var backoffMaxSeconds: Double = 300
        public var listing = true
        public var fullRescanEvery: Int64 = 12
        public var reuseSettleSeconds: Double = 120
        public var shard: Shard?
    }

    /// The `server` section.
    public struct Server: Sendable {
        public var host = "0.0.0.0"
        public var port: Int64 = 9940
        /// `/readyz` fails once the latest good scan is older than this many intervals.
        public var readinessIntervals: Double = 3
        /// Seconds a graceful shutdown may take before the running scan is abandoned.
        public var shutdownGraceSeconds: Double = 30
        /// HTTPS with these PEM files instead of HTTP.
        public var tls: TLSFiles?
    }

    /// The `api` section: who may use the REST API and what it may do.
    public struct API: Sendable {
        public var readOpen = false
        public var allowPoolDelete = false
        public var maxImageSizeBytes: UInt64 = 1 << 50
        public var tokens: [TokenCredential] = []
        public var users: [UserCredential] = []
    }

    /// The `forecast` section.
    public struct ForecastSection: Sendable {
        public var windowDays: Double = 7
        public var refreshSeconds: Double = 3600
        public var minimumPoints: Int64 = 3
    }

    /// The `database` section.
    public struct Database: Sendable {
        public var path = "rbd-meter.sqlite"
        public var rawDays: Double = 14
        public var hourlyDays: Double = 90
        public var dailyDays: Double = 730
    }

    public var file: String
    public var ceph = Ceph()
    /// Pools named explicitly (they must exist); empty means every RBD pool the filter lets through.
    public var poolNames: [String] = []
    public var poolFilter = GlobFilter.all
    public var namespaceFilter = GlobFilter.all
    public var scan = Scan()
    /// Pool globs whose images are exported only as namespace and pool totals (`per_image: false`).
    public var aggregateOnlyPools: [String] = []
    public var server = Server()
    public var api = API()
    public var database = Database()
    public var quotas: [QuotaRule] = []
    public var forecast = ForecastSection()

    /// The defaults, as used when no config file is given.
    public init() {
        file = "(defaults)"
    }

    /// Reads and validates a config file.
    public static func load(path: String) throws(ConfigError) -> RBDMeterConfig {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigError(file: path, key: "", message: "cannot read the file (\((error as NSError).localizedDescription))")
        }
        return try parse(data, file: path)
    }

    /// Parses and validates config text; `file` names it in errors.
    public static func parse(_ data: Data, file: String) throws(ConfigError) -> RBDMeterConfig {
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            let detail = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String ?? context.debugDescription
            throw ConfigError(file: file, key: "", message: "not valid JSON: \(detail)")
        } catch {
            throw ConfigError(file: file, key: "", message: "not valid JSON: \(error)")
        }
        guard case .object(let members) = root else {
            throw ConfigError(file: file, key: "", message: "must hold one JSON object, got \(root.quoted)")
        }
        var config = RBDMeterConfig()
        config.file = file
        var top = ConfigObject(file: file, path: "", members: members)
        try config.read(&top)
        try top.finish()
        return config
    }

    private mutating func read(_ top: inout ConfigObject) throws(ConfigError) {
        if var section = try top.object("ceph") {
            ceph.conf = try section.string("conf")
            ceph.id = try section.string("id") ?? ceph.id
            ceph.keyring = try section.string("keyring")
            ceph.connectTimeoutSeconds = try section.integer("connect_timeout_seconds", in: 1...3600, what: "a number of seconds") ?? ceph.connectTimeoutSeconds
            ceph.monitorOperationTimeoutSeconds = try section.integer("mon_op_timeout_seconds", in: 1...3600, what: "a number of seconds") ?? ceph.monitorOperationTimeoutSeconds
            ceph.osdOperationTimeoutSeconds = try section.integer("osd_op_timeout_seconds", in: 1...3600, what: "a number of seconds") ?? ceph.osdOperationTimeoutSeconds
            ceph.options = try section.stringMap("options") ?? [:]
            try section.finish()
        }
        if var section = try top.object("pools") {
            poolNames = try section.strings("names") ?? []
            poolFilter = GlobFilter(include: try section.strings("include") ?? [], exclude: try section.strings("exclude") ?? [])
            try section.finish()
        }
        if var section = try top.object("namespaces") {
            namespaceFilter = GlobFilter(include: try section.strings("include") ?? [], exclude: try section.strings("exclude") ?? [])
            try section.finish()
        }
        if var section = try top.object("scan") {
            scan.intervalSeconds = try section.number("interval_seconds", in: 1...86400 * 7, what: "a number of seconds") ?? scan.intervalSeconds
            scan.jitter = try section.number("jitter", in: 0...0.5, what: "a fraction") ?? scan.jitter
            if let mode = try section.string("mode") {
                guard let parsed = UsageMode(rawValue: mode) else {
                    throw section.error("mode", "must be \"object\" or \"exact\", got \"\(mode)\"")
                }
                scan.mode = parsed
            }
            scan.concurrency = try section.integer("concurrency", in: 1...256) ?? scan.concurrency
            scan.objectsPerRange = try section.integer("objects_per_range", in: 1...1 << 30) ?? scan.objectsPerRange
            scan.poolTimeBudgetSeconds = try section.number("pool_time_budget_seconds", in: 1...86400 * 7, what: "a number of seconds")
            scan.backoffMaxSeconds = try section.number("backoff_max_seconds", in: 1...86400, what: "a number of seconds") ?? scan.backoffMaxSeconds
            scan.listing = try section.bool("listing") ?? scan.listing
            scan.fullRescanEvery = try section.integer("full_rescan_every", in: 1...100_000, what: "a number of scans") ?? scan.fullRescanEvery
            scan.reuseSettleSeconds = try section.number("reuse_settle_seconds", in: 0...86400 * 7, what: "a number of seconds") ?? scan.reuseSettleSeconds
            if let spec = try section.string("shard") {
                guard let shard = Shard(spec: spec) else {
                    throw section.error("shard", "must be I/N with 0 <= I < N, got \"\(spec)\"")
                }
                scan.shard = shard
            }
            try section.finish()
        }
        if var section = try top.object("pool_settings") {
            for pattern in section.members.keys.sorted() {
                guard var settings = try section.object(pattern) else { continue }
                if try settings.bool("per_image") == false { aggregateOnlyPools.append(pattern) }
                try settings.finish()
            }
        }
        if var section = try top.object("server") {
            if let listen = try section.string("listen") {
                guard let (host, port) = Self.parseListen(listen) else {
                    throw section.error("listen", "must be HOST:PORT with a port from 0 to 65535, got \"\(listen)\"")
                }
                server.host = host
                server.port = port
            }
            server.readinessIntervals = try section.number("readiness_intervals", in: 1...100, what: "a number of scan intervals") ?? server.readinessIntervals
            server.shutdownGraceSeconds = try section.number("shutdown_grace_seconds", in: 1...3600, what: "a number of seconds") ?? server.shutdownGraceSeconds
            if var tls = try section.object("tls") {
                let certificate = try tls.string("certificate")
                let key = try tls.string("key")
                switch (certificate, key) {
                case let (certificate?, key?):
                    for (name, path) in [("certificate", certificate), ("key", key)] where !FileManager.default.isReadableFile(atPath: path) {
                        throw tls.error(name, "cannot read \"\(path)\"")
                    }
                    server.tls = TLSFiles(certificatePath: certificate, keyPath: key)
                case (nil, nil):
                    break
                case (nil, _):
                    throw tls.error("certificate", "is required with a key")
                case (_, nil):
                    throw tls.error("key", "is required with a certificate")
                }
                try tls.finish()
            }
            try section.finish()
        }
        if var section = try top.object("api") {
            api.readOpen = try section.bool("read_open") ?? api.readOpen
            api.allowPoolDelete = try section.bool("allow_pool_delete") ?? api.allowPoolDelete
            api.maxImageSizeBytes = try section.bytes("max_image_size") ?? api.maxImageSizeBytes
            for var token in try section.objects("tokens") ?? [] {
                let name = try token.string("name") ?? ""
                guard !name.isEmpty else { throw token.error("name", "is required") }
                guard let hex = try token.string("sha256"), let digest = CredentialHasher.digest(hex: hex.lowercased()) else {
                    throw token.error("sha256", "must be the 64 hex digits of the token's SHA-256 (rbd-meter make-credential token)")
                }
                api.tokens.append(TokenCredential(name: name, sha256: digest))
                try token.finish()
            }
            for var user in try section.objects("users") ?? [] {
                let name = try user.string("name") ?? ""
                guard !name.isEmpty, !name.contains(":") else { throw user.error("name", "is required and may not contain ':'") }
                guard let hash = try user.string("bcrypt"), hash.hasPrefix("$2"), hash.count == 60 else {
                    throw user.error("bcrypt", "must be a bcrypt hash of the password (rbd-meter make-credential password)")
                }
                api.users.append(UserCredential(name: name, bcrypt: hash))
                try user.finish()
            }
            try section.finish()
        }
        for var rule in try top.objects("quotas") ?? [] {
            quotas.append(try Self.quotaRule(&rule, existing: quotas))
        }
        if var section = try top.object("forecast") {
            forecast.windowDays = try section.number("window_days", in: 0.1...366, what: "a number of days") ?? forecast.windowDays
            forecast.refreshSeconds = try section.number("refresh_seconds", in: 0...86400, what: "a number of seconds") ?? forecast.refreshSeconds
            forecast.minimumPoints = try section.integer("min_points", in: 2...100_000, what: "a number of points") ?? forecast.minimumPoints
            try section.finish()
        }
        if var section = try top.object("database") {
            database.path = try section.string("path") ?? database.path
            if var retention = try section.object("retention") {
                database.rawDays = try retention.number("raw_days", in: 1...3650, what: "a number of days") ?? database.rawDays
                database.hourlyDays = try retention.number("hourly_days", in: 1...3650, what: "a number of days") ?? database.hourlyDays
                database.dailyDays = try retention.number("daily_days", in: 1...36500, what: "a number of days") ?? database.dailyDays
                try retention.finish()
            }
            try section.finish()
        }
    }

    /// Reads one entry of `quotas`.
    static func quotaRule(_ object: inout ConfigObject, existing: [QuotaRule]) throws(ConfigError) -> QuotaRule {
        guard let name = try object.string("name") else { throw object.error("name", "is required") }
        guard !existing.contains(where: { $0.name == name }) else { throw object.error("name", "\"\(name)\" names two rules") }
        guard let scopeName = try object.string("scope") else { throw object.error("scope", "is required") }
        guard let scope = QuotaRule.Scope(rawValue: scopeName) else {
            throw object.error("scope", "must be one of \(QuotaRule.Scope.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), got \"\(scopeName)\"")
        }
        guard let limit = try object.bytes("limit") else { throw object.error("limit", "is required") }
        var rule = QuotaRule(name: name, scope: scope, limitBytes: limit)
        let applicable: [QuotaRule.Scope: Set<String>] = [
            .pool: ["pool"], .namespace: ["pool", "namespace"], .image: ["pool", "namespace", "image"], .pvcNamespace: ["pool", "pvc_namespace"],
        ]
        for key in ["pool", "namespace", "image", "pvc_namespace"] {
            guard let glob = try object.string(key, allowEmpty: key == "namespace") else { continue }
            guard applicable[scope]!.contains(key) else { throw object.error(key, "does not apply to a rule of scope \"\(scope.rawValue)\"") }
            switch key {
            case "pool": rule.pool = glob
            case "namespace": rule.namespace = glob
            case "image": rule.image = glob
            default: rule.pvcNamespace = glob
            }
        }
        if let counted = try object.string("counts") {
            guard let parsed = QuotaRule.Counted(rawValue: counted) else {
                throw object.error("counts", "must be \"total_used\", \"used\" or \"provisioned\", got \"\(counted)\"")
            }
            rule.counted = parsed
        }
        rule.warningRatio = try object.number("warning_ratio", in: 0.01...10, what: "a ratio") ?? rule.warningRatio
        rule.criticalRatio = try object.number("critical_ratio", in: 0.01...10, what: "a ratio") ?? rule.criticalRatio
        guard rule.warningRatio <= rule.criticalRatio else {
            throw object.error("warning_ratio", "must not be above critical_ratio (\(rule.criticalRatio))")
        }
        try object.finish()
        return rule
    }

    /// Splits `HOST:PORT` (`[::1]:9940` for IPv6).
    public static func parseListen(_ text: String) -> (String, Int64)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int64(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        return (host, port)
    }
}
