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

    @Test("bad values are rejected with the key, the file and what was expected", arguments: [
        (#"{"scan": {"intervall_seconds": 60}}"#, "config.json: scan.intervall_seconds: unknown key (did you mean 'interval_seconds'?)"),
        (#"{"scna": {}}"#, "config.json: scna: unknown key (did you mean 'scan'?)"),
        (#"{"scan": {"interval_seconds": "often"}}"#, #"config.json: scan.interval_seconds: must be a number of seconds from 1 to 604800, got "often""#),
        (#"{"scan": {"interval_seconds": 0}}"#, "config.json: scan.interval_seconds: must be a number of seconds from 1 to 604800, got 0"),
        (#"{"scan": {"concurrency": 2.5}}"#, "config.json: scan.concurrency: must be a whole number from 1 to 256, got 2.5"),
        (#"{"scan": {"concurrency": 1000}}"#, "config.json: scan.concurrency: must be a whole number from 1 to 256, got 1000"),
        (#"{"scan": {"mode": "fast"}}"#, #"config.json: scan.mode: must be "object" or "exact", got "fast""#),
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
        #expect(config.scan.intervalSeconds == 300)
        #expect(config.scan.mode == .exact)
        #expect(config.scan.concurrency == 8)
        #expect(config.server.host == "0.0.0.0")
        #expect(config.server.port == 9940)
        #expect(config.ceph.conf == nil)
        #expect(config.ceph.id == "admin")
        #expect(config.database.path == "rbd-meter.sqlite")
        #expect(config.serverSettings.readinessLimitSeconds == 900)
    }

    @Test("listen addresses parse, IPv6 in brackets")
    func listenAddresses() {
        #expect(RBDMeterConfig.parseListen("127.0.0.1:9940")! == ("127.0.0.1", 9940))
        #expect(RBDMeterConfig.parseListen("[::1]:80")! == ("::1", 80))
        #expect(RBDMeterConfig.parseListen(":9940")! == ("0.0.0.0", 9940))
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
