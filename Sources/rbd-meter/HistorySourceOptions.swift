import ArgumentParser
import Config
import Foundation
import History
import PrometheusHistory

/// Where `report` and `history` read the history: one or more SQLite files (one per shard), or a
/// Prometheus-compatible store that holds every shard's series.
struct HistorySourceOptions: ParsableArguments {
    @Option(
        name: .customLong("database"),
        help: "A history database; give it once per shard to merge them (default: database.path of the config).")
    var databases: [String] = []

    @Option(help: ArgumentHelp(
        "Read the history from this Prometheus query API instead, e.g. http://prometheus:9090 (default without --database: prometheus.url of the config).",
        valueName: "url"))
    var prometheus: String?

    @Option(help: ArgumentHelp(
        "With Prometheus: a label selector every series must match, e.g. '{cluster=\"prod\"}' (default: prometheus.match of the config).",
        valueName: "selector"))
    var match: String?

    func validate() throws {
        let repeated = Dictionary(grouping: databases, by: { URL(fileURLWithPath: $0).standardizedFileURL.path }).filter { $0.value.count > 1 }
        if let path = repeated.keys.sorted().first { throw ValidationError("--database \(path) is given more than once") }
        if prometheus != nil && !databases.isEmpty { throw ValidationError("--prometheus and --database are two sources of the history: give one") }
        if match != nil && !databases.isEmpty { throw ValidationError("--match selects Prometheus series and does not apply to --database") }
    }

    /// Opens the source; a missing file or an unusable setting ends the command with one line naming it.
    func open(config: RBDMeterConfig) throws -> OpenHistory {
        if databases.isEmpty, let url = prometheus ?? config.prometheus?.url {
            // The configured credentials go to the configured server only, never to another URL.
            let configured = config.prometheus.flatMap { $0.url == url || $0.url + "/" == url ? $0 : nil }
            do {
                let endpoint = try PrometheusEndpoint(
                    url: url, match: match ?? config.prometheus?.match ?? "", authorization: configured?.authorization ?? .none,
                    caFile: configured?.caFile, timeoutSeconds: configured?.timeoutSeconds ?? PrometheusEndpoint.defaultTimeoutSeconds)
                return OpenHistory(source: PrometheusHistory(endpoint: endpoint), stores: [])
            } catch {
                throw fail(error.description, code: 2)
            }
        }
        if match != nil { throw fail("--match needs a Prometheus: --prometheus URL or prometheus.url in the config", code: 2) }
        let paths = databases.isEmpty ? [config.databasePath] : databases
        var stores: [HistoryStore] = []
        for path in paths {
            guard FileManager.default.fileExists(atPath: path) else { throw fail("no history database at \(path)") }
            do {
                stores.append(try HistoryStore(path: path))
            } catch {
                throw fail("cannot open \(path): \(error)")
            }
        }
        return OpenHistory(source: stores.count == 1 ? stores[0] : MergedHistory(stores), stores: stores)
    }
}
