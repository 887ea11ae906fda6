import Foundation
import Metering
import PrometheusHistory
import Reports
import Server

/// One reader per section of `config.json`; each leaves what the file does not say at its owner's default.
extension RBDMeterConfig {
    mutating func readCeph(_ section: inout ConfigObject) throws(ConfigError) {
        ceph.configFile = try section.string("conf") ?? ceph.configFile
        ceph.clientID = try section.string("id") ?? ceph.clientID
        ceph.keyring = try section.string("keyring") ?? ceph.keyring
        ceph.monitorHosts = try section.string("mon_host") ?? ceph.monitorHosts
        ceph.keyFile = try section.string("key_file") ?? ceph.keyFile
        ceph.connectTimeout = try section.integer("connect_timeout_seconds", in: 1...3600, what: "a number of seconds").map(Int.init) ?? ceph.connectTimeout
        ceph.monitorOperationTimeout = try section.integer("mon_op_timeout_seconds", in: 1...3600, what: "a number of seconds").map(Int.init) ?? ceph.monitorOperationTimeout
        ceph.osdOperationTimeout = try section.integer("osd_op_timeout_seconds", in: 1...3600, what: "a number of seconds").map(Int.init) ?? ceph.osdOperationTimeout
        ceph.settings = try section.stringMap("options") ?? ceph.settings
        try section.finish()
    }

    mutating func readPools(_ section: inout ConfigObject) throws(ConfigError) {
        scan.pools = try section.strings("names") ?? scan.pools
        scan.poolFilter = GlobFilter(include: try section.strings("include") ?? [], exclude: try section.strings("exclude") ?? [])
        try section.finish()
    }

    mutating func readNamespaces(_ section: inout ConfigObject) throws(ConfigError) {
        scan.namespaceFilter = GlobFilter(include: try section.strings("include") ?? [], exclude: try section.strings("exclude") ?? [])
        try section.finish()
    }

    mutating func readScan(_ section: inout ConfigObject) throws(ConfigError) {
        if let interval = try section.number("interval_seconds", in: 1...86400 * 7, what: "a number of seconds") {
            timing.interval = .seconds(interval)
        }
        timing.jitter = try section.number("jitter", in: 0...0.5, what: "a fraction") ?? timing.jitter
        if let maximum = try section.number("backoff_max_seconds", in: 1...86400, what: "a number of seconds") {
            timing.maximumBackoff = .seconds(maximum)
        }
        if let mode = try section.string("mode") {
            guard let parsed = UsageMode(rawValue: mode) else {
                throw section.error("mode", "must be \"object\" or \"exact\", got \"\(mode)\"")
            }
            scan.mode = parsed
        }
        scan.concurrency = try section.integer("concurrency", in: 1...256).map(Int.init) ?? scan.concurrency
        scan.objectsPerRange = try section.integer("objects_per_range", in: 1...1 << 30).map(UInt64.init) ?? scan.objectsPerRange
        if let budget = try section.number("pool_time_budget_seconds", in: 1...86400 * 7, what: "a number of seconds") {
            scan.poolTimeBudget = .seconds(budget)
        }
        scan.useListing = try section.bool("listing") ?? scan.useListing
        if section.members["full_rescan_every"] != nil {
            throw section.error("full_rescan_every", "was replaced by full_rescan_seconds: numbers are measured again once they are that old (every N scans is N × interval_seconds)")
        }
        scan.fullRescanSeconds = try section.number("full_rescan_seconds", in: 0...86400 * 7, what: "a number of seconds") ?? scan.fullRescanSeconds
        scan.reuseSettleSeconds = try section.number("reuse_settle_seconds", in: 0...86400 * 7, what: "a number of seconds") ?? scan.reuseSettleSeconds
        scan.librbdOnly = try section.bool("librbd_only") ?? scan.librbdOnly
        if let spec = try section.string("shard") {
            guard let shard = Shard(spec: spec) else {
                throw section.error("shard", "must be I/N with 0 <= I < N, got \"\(spec)\"")
            }
            scan.shard = shard
        }
        // Staleness alerts and readiness are measured in intervals: the exposition says which.
        server.exposition.scanIntervalSeconds = timing.interval.inSeconds
        try section.finish()
    }

    mutating func readPoolSettings(_ section: inout ConfigObject) throws(ConfigError) {
        var aggregateOnly: [String] = []
        for pattern in section.members.keys.sorted() {
            guard var settings = try section.object(pattern) else { continue }
            if try settings.bool("per_image") == false { aggregateOnly.append(pattern) }
            try settings.finish()
        }
        server.exposition.perImagePools = GlobFilter(exclude: aggregateOnly)
    }

    mutating func readServer(_ section: inout ConfigObject) throws(ConfigError) {
        if let listen = try section.string("listen") {
            guard let (host, port) = Self.parseListen(listen) else {
                throw section.error("listen", "must be HOST:PORT with a port from 0 to 65535, got \"\(listen)\"")
            }
            server.host = host
            server.port = Int(port)
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

    mutating func readAPI(_ section: inout ConfigObject) throws(ConfigError) {
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
            guard let hash = try user.string("bcrypt"), UserCredential.isBcryptHash(hash) else {
                throw user.error("bcrypt", "must be a bcrypt hash of the password (rbd-meter make-credential password)")
            }
            api.users.append(UserCredential(name: name, bcrypt: hash))
            try user.finish()
        }
        if var identity = try section.object("ceph") {
            guard let id = try identity.string("id") else { throw identity.error("id", "is required: the Ceph client the API acts as") }
            api.cephIdentity = CephIdentity(clientID: id, keyring: try identity.string("keyring"), keyFile: try identity.string("key_file"))
            try identity.finish()
        }
        try section.finish()
    }

    mutating func readForecast(_ section: inout ConfigObject) throws(ConfigError) {
        forecast.windowDays = try section.number("window_days", in: 0.1...366, what: "a number of days") ?? forecast.windowDays
        forecastRefreshSeconds = try section.number("refresh_seconds", in: 0...86400, what: "a number of seconds") ?? forecastRefreshSeconds
        forecast.minimumPoints = try section.integer("min_points", in: 2...100_000, what: "a number of points").map(Int.init) ?? forecast.minimumPoints
        try section.finish()
    }

    mutating func readDatabase(_ section: inout ConfigObject) throws(ConfigError) {
        databasePath = try section.string("path") ?? databasePath
        if var days = try section.object("retention") {
            retention.rawDays = try days.number("raw_days", in: 1...3650, what: "a number of days") ?? retention.rawDays
            retention.hourlyDays = try days.number("hourly_days", in: 1...3650, what: "a number of days") ?? retention.hourlyDays
            retention.dailyDays = try days.number("daily_days", in: 1...36500, what: "a number of days") ?? retention.dailyDays
            try days.finish()
        }
        try section.finish()
    }

    mutating func readPrometheus(_ section: inout ConfigObject) throws(ConfigError) {
        let url = try section.string("url")
        let match = try section.string("match", allowEmpty: true) ?? ""
        let tokenFile = try section.string("bearer_token_file")
        var authorization = PrometheusEndpoint.Authorization.none
        if var basic = try section.object("basic_auth") {
            switch (try basic.string("username"), try basic.string("password_file")) {
            case let (username?, passwordFile?):
                authorization = .basic(username: username, passwordFile: passwordFile)
            case (nil, nil):
                break
            case (nil, _):
                throw basic.error("username", "is required with a password_file")
            case (_, nil):
                throw basic.error("password_file", "is required with a username")
            }
            try basic.finish()
        }
        if let tokenFile {
            guard authorization == .none else { throw section.error("bearer_token_file", "cannot go with basic_auth: choose one") }
            authorization = .bearerTokenFile(tokenFile)
        }
        let caFile = try section.string("ca_file")
        let timeout = try section.number("timeout_seconds", in: 1...3600, what: "a number of seconds") ?? PrometheusEndpoint.defaultTimeoutSeconds
        try section.finish()
        guard let url else {
            if !match.isEmpty || authorization != .none || caFile != nil { throw section.error("url", "is required with the other prometheus keys") }
            return
        }
        var files: [(String, String)] = caFile.map { [("ca_file", $0)] } ?? []
        switch authorization {
        case .bearerTokenFile(let path): files.append(("bearer_token_file", path))
        case .basic(_, let path): files.append(("basic_auth.password_file", path))
        case .none: break
        }
        for (key, path) in files where !FileManager.default.isReadableFile(atPath: path) {
            throw section.error(key, "cannot read \"\(path)\"")
        }
        do {
            _ = try PrometheusEndpoint(url: url)
        } catch {
            throw section.error("url", error.description)
        }
        do {
            prometheus = try PrometheusEndpoint(url: url, match: match, authorization: authorization, caFile: caFile, timeoutSeconds: timeout)
        } catch {
            throw section.error("match", error.description)
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
        rule.includesTrash = try object.bool("include_trash") ?? rule.includesTrash
        guard rule.warningRatio <= rule.criticalRatio else {
            throw object.error("warning_ratio", "must not be above critical_ratio (\(rule.criticalRatio))")
        }
        try object.finish()
        return rule
    }
}
