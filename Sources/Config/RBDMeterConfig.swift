import Foundation
import History
import Metering
import PrometheusHistory
import RBD
import Reports
import Server

/// rbd-meter's configuration, as read from `config.json`: the settings types of the modules that use
/// them, filled in from the file. Each default exists once, in its owner's type.
///
/// Reading is strict: an unknown key, a value of the wrong type or out of range fails with a
/// ``ConfigError`` that names the file and the key. Every key is documented in docs/configuration.md and shown
/// with its default in the example `config.json`.
public struct RBDMeterConfig: Sendable {
    /// The file read, or `(defaults)`.
    public var file: String
    /// `ceph`: how to reach the cluster.
    public var ceph = ConnectionOptions()
    /// `pools`, `namespaces` and `scan`: what a scan covers and how hard it works.
    public var scan = ScanOptions()
    /// `scan`: when scans run.
    public var timing = Scheduler.Timing()
    /// `server` and `pool_settings`: how `/metrics` and the API are served.
    public var server = ServerSettings()
    /// `api`: who may use the REST API and what it may do.
    public var api = APISettings()
    /// `database.path`: the SQLite history.
    public var databasePath = HistoryStore.defaultPath
    /// `database.retention`.
    public var retention = Retention()
    /// `prometheus`: the store `report` and `history` read instead of the database when it has a URL.
    public var prometheus: PrometheusEndpoint?
    /// `quotas`.
    public var quotas: [QuotaRule] = []
    /// `forecast`: how growth is fitted.
    public var forecast = ForecastEngine()
    /// `forecast.refresh_seconds`.
    public var forecastRefreshSeconds = ForecastBoard.defaultRefreshSeconds

    /// The defaults, as used when no config file is given.
    public init() {
        file = "(defaults)"
    }

    /// The connection the REST API makes: the metering one, as the API's own client when one is set.
    public var apiConnectionOptions: ConnectionOptions {
        guard let identity = api.cephIdentity else { return ceph }
        return ceph.actingAs(clientID: identity.clientID, keyring: identity.keyring, keyFile: identity.keyFile)
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
        if var section = try top.object("ceph") { try readCeph(&section) }
        if var section = try top.object("pools") { try readPools(&section) }
        if var section = try top.object("namespaces") { try readNamespaces(&section) }
        if var section = try top.object("scan") { try readScan(&section) }
        if var section = try top.object("pool_settings") { try readPoolSettings(&section) }
        if var section = try top.object("server") { try readServer(&section) }
        if var section = try top.object("api") { try readAPI(&section) }
        for var rule in try top.objects("quotas") ?? [] {
            quotas.append(try Self.quotaRule(&rule, existing: quotas))
        }
        if var section = try top.object("forecast") { try readForecast(&section) }
        if var section = try top.object("database") { try readDatabase(&section) }
        if var section = try top.object("prometheus") { try readPrometheus(&section) }
    }

    /// Splits `HOST:PORT` (`[::1]:9940` for IPv6).
    public static func parseListen(_ text: String) -> (String, Int64)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int64(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = ServerSettings.anyHost }
        return (host, port)
    }
}
