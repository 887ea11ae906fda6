import Config
import Foundation
import Metering
import Testing

/// Every kind of bad value gets its own message naming the file and the key.
@Suite("Config validation")
struct ConfigValidationTests {
    func error(_ json: String) -> ConfigError? {
        do {
            _ = try RBDMeterConfig.parse(Data(json.utf8), file: "config.json")
            return nil
        } catch {
            return error
        }
    }

    @Test("the server listens on every address, IPv6 and IPv4, unless told otherwise; an IPv6 host keeps its brackets")
    func listenDefaultsToDualStack() throws {
        #expect(RBDMeterConfig().server.listenAddress == "[::]:9940")
        let config = try RBDMeterConfig.parse(Data(#"{"server": {"listen": "[::1]:9941"}}"#.utf8), file: "config.json")
        #expect(config.server.host == "::1" && config.server.listenAddress == "[::1]:9941")
    }

    @Test("bad values are rejected with the key, the file and what was expected", arguments: [
        (#"{"scan": {"intervall_seconds": 60}}"#, "config.json: scan.intervall_seconds: unknown key (did you mean 'interval_seconds'?)"),
        (#"{"scna": {}}"#, "config.json: scna: unknown key (did you mean 'scan'?)"),
        (#"{"scan": {"interval_seconds": "often"}}"#, #"config.json: scan.interval_seconds: must be a number of seconds from 1 to 604800, got "often""#),
        (#"{"scan": {"interval_seconds": 0}}"#, "config.json: scan.interval_seconds: must be a number of seconds from 1 to 604800, got 0"),
        (#"{"scan": {"concurrency": 2.5}}"#, "config.json: scan.concurrency: must be a whole number from 1 to 256, got 2.5"),
        (#"{"scan": {"concurrency": 1000}}"#, "config.json: scan.concurrency: must be a whole number from 1 to 256, got 1000"),
        (#"{"scan": {"mode": "fast"}}"#, #"config.json: scan.mode: must be "object" or "exact", got "fast""#),
        (#"{"scan": {"full_rescan_every": 12}}"#, "config.json: scan.full_rescan_every: was replaced by full_rescan_seconds: numbers are measured again once they are that old (every N scans is N × interval_seconds)"),
        (#"{"scan": {"jitter": true}}"#, "config.json: scan.jitter: must be a fraction from 0 to 0.5, got true"),
        (#"{"ceph": {"id": 7}}"#, "config.json: ceph.id: must be a string, got 7"),
        (#"{"ceph": {"conf": ""}}"#, "config.json: ceph.conf: must not be empty"),
        (#"{"ceph": {"options": {"debug_rbd": 20}}}"#, "config.json: ceph.options.debug_rbd: must be a string, got 20"),
        (#"{"pools": {"include": "rbd"}}"#, #"config.json: pools.include: must be a list of strings, got "rbd""#),
        (#"{"pools": {"exclude": ["ok", 3]}}"#, "config.json: pools.exclude[1]: must be a non-empty string, got 3"),
        (#"{"pool_settings": {"big-*": {"per_image": "no"}}}"#, #"config.json: pool_settings.big-*.per_image: must be true or false, got "no""#),
        (#"{"pool_settings": {"big-*": {"perimage": false}}}"#, "config.json: pool_settings.big-*.perimage: unknown key (did you mean 'per_image'?)"),
        (#"{"server": {"listen": "localhost"}}"#, #"config.json: server.listen: must be HOST:PORT with a port from 0 to 65535, got "localhost""#),
        (#"{"server": {"listen": "0.0.0.0:70000"}}"#, #"config.json: server.listen: must be HOST:PORT with a port from 0 to 65535, got "0.0.0.0:70000""#),
        (#"{"database": {"retention": {"raw_days": -1}}}"#, "config.json: database.retention.raw_days: must be a number of days from 1 to 3650, got -1"),
        (#"{"database": []}"#, "config.json: database: must be an object, got []"),
        (#"{"prometheus": {"url": "prometheus:9090"}}"#, #"config.json: prometheus.url: the Prometheus URL must be http:// or https:// with a host, got "prometheus:9090""#),
        (#"{"prometheus": {"url": "http://p:9090", "match": "cluster=\"prod\""}}"#, #"config.json: prometheus.match: the label selector must be like {cluster="prod"}, got "cluster="prod"""#),
        (#"{"prometheus": {"match": "{cluster=\"prod\"}"}}"#, "config.json: prometheus.url: is required with the other prometheus keys"),
        (#"{"prometheus": {"url": "http://p:9090", "bearer_token_file": "/nonexistent/token"}}"#, #"config.json: prometheus.bearer_token_file: cannot read "/nonexistent/token""#),
        (#"{"prometheus": {"url": "http://p:9090", "basic_auth": {"username": "grafana"}}}"#, "config.json: prometheus.basic_auth.password_file: is required with a username"),
        (#"[1, 2]"#, "config.json: must hold one JSON object, got [1,2]"),
    ])
    func badValuesNameTheKey(json: String, message: String) {
        #expect(error(json)?.description == message)
    }

    @Test("text that is not JSON is rejected as a whole")
    func invalidJSON() {
        let failure = error(#"{"scan": {"mode": "exact",}"#)
        #expect(failure?.key == "")
        #expect(failure?.description.hasPrefix("config.json: not valid JSON") == true)
    }

    @Test("a missing file says so")
    func missingFile() {
        #expect(throws: ConfigError.self) { try RBDMeterConfig.load(path: "/nonexistent/config.json") }
    }

    @Test("an empty object gives the documented defaults")
    func defaults() throws {
        let config = try RBDMeterConfig.parse(Data("{}".utf8), file: "config.json")
        #expect(config.timing.interval == .seconds(300))
        #expect(config.scan.mode == .exact)
        #expect(config.scan.concurrency == 8)
        #expect(config.server.host == "::")
        #expect(config.server.port == 9940)
        #expect(config.ceph.configFile == nil)
        #expect(config.ceph.clientID == "admin")
        #expect(config.ceph.connectTimeout == 10)
        #expect(config.databasePath == "rbd-meter.sqlite")
        #expect(config.server.readinessLimitSeconds == 900)
        #expect(config.api.cephIdentity == nil)
    }

    @Test("the scan interval reaches what readiness and the exposition count in")
    func intervalReachesTheServer() throws {
        let config = try RBDMeterConfig.parse(Data(#"{"scan": {"interval_seconds": 60}, "server": {"readiness_intervals": 2}}"#.utf8), file: "config.json")
        #expect(config.server.exposition.scanIntervalSeconds == 60)
        #expect(config.server.readinessLimitSeconds == 120)
    }

    @Test("monitor addresses and a key file replace ceph.conf; the API may act as a client of its own")
    func containerKeys() throws {
        let config = try RBDMeterConfig.parse(Data(#"""
            {"ceph": {"mon_host": "10.0.0.1:6789,10.0.0.2:6789", "key_file": "/run/secrets/key", "id": "rbd-meter"},
             "api": {"ceph": {"id": "rbd-meter-api", "key_file": "/run/secrets/api-key"}}}
            """#.utf8), file: "config.json")
        #expect(config.ceph.monitorHosts == "10.0.0.1:6789,10.0.0.2:6789")
        #expect(config.ceph.keyFile == "/run/secrets/key")
        let api = config.apiConnectionOptions
        #expect(api.clientID == "rbd-meter-api")
        #expect(api.keyFile == "/run/secrets/api-key")
        #expect(api.monitorHosts == config.ceph.monitorHosts, "the same cluster")
        #expect(error(#"{"api": {"ceph": {"key_file": "/k"}}}"#)?.description == "config.json: api.ceph.id: is required: the Ceph client the API acts as")
    }

    @Test("environment variables override single keys, checked like the file's, and errors name the variable")
    func environmentOverrides() throws {
        var config = try RBDMeterConfig.parse(Data(#"{"ceph": {"id": "from-file", "conf": "/etc/ceph/ceph.conf"}}"#.utf8), file: "config.json")
        try config.applyEnvironment([
            "RBD_METER_CEPH_MON_HOST": "v2:10.0.0.1:3300", "RBD_METER_CEPH_KEY_FILE": "/key", "RBD_METER_CEPH_ID": "from-env",
            "RBD_METER_LISTEN": "127.0.0.1:9999", "RBD_METER_DATABASE_PATH": "/var/lib/rbd-meter/history.sqlite", "RBD_METER_SHARD": "1/3",
            "RBD_METER_CEPH_KEYRING": "",
        ])
        #expect(config.ceph.monitorHosts == "v2:10.0.0.1:3300")
        #expect(config.ceph.keyFile == "/key")
        #expect(config.ceph.clientID == "from-env")
        #expect(config.ceph.configFile == "/etc/ceph/ceph.conf", "what no variable names stays as the file says")
        #expect(config.ceph.keyring == nil, "an empty variable is no override")
        #expect((config.server.host, config.server.port) == ("127.0.0.1", 9999))
        #expect(config.databasePath == "/var/lib/rbd-meter/history.sqlite")
        #expect(config.scan.shard == Shard(index: 1, count: 3))
        var bad = RBDMeterConfig()
        #expect(throws: ConfigError(file: "$RBD_METER_SHARD", key: "", message: #"must be I/N with 0 <= I < N, got "3/3""#)) {
            try bad.applyEnvironment(["RBD_METER_SHARD": "3/3"])
        }
        #expect(throws: ConfigError(file: "$RBD_METER_LISTEN", key: "", message: #"must be HOST:PORT with a port from 0 to 65535, got "nowhere""#)) {
            try bad.applyEnvironment(["RBD_METER_LISTEN": "nowhere"])
        }
    }

    @Test("listen addresses parse, IPv6 in brackets")
    func listenAddresses() {
        #expect(RBDMeterConfig.parseListen("127.0.0.1:9940")! == ("127.0.0.1", 9940))
        #expect(RBDMeterConfig.parseListen("[::1]:80")! == ("::1", 80))
        #expect(RBDMeterConfig.parseListen(":9940")! == ("::", 9940))
        #expect(RBDMeterConfig.parseListen("host:port") == nil)
    }

    @Test("sizes take binary units as Ceph does")
    func byteSizes() {
        #expect(ByteSize.parse("1073741824") == 1 << 30)
        #expect(ByteSize.parse("1G") == 1 << 30)
        #expect(ByteSize.parse("1GiB") == 1 << 30)
        #expect(ByteSize.parse("1.5T") == 3 << 39)
        #expect(ByteSize.parse("500 GB") == 500 << 30)
        #expect(ByteSize.parse("12 apples") == nil)
        #expect(ByteSize.parse("") == nil)
    }
}
