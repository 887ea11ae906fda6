import ArgumentParser
import Config
import Foundation
import History
import Metering
import PrometheusHistory
import Reports

/// `rbd-meter history`: an image's numbers over time, from the SQLite history (merged over shards) or Prometheus.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Print an image's history: raw samples, then hourly and daily roll-ups further back.",
        discussion: "From Prometheus (--prometheus), the runs of unchanged numbers in its series, all raw."
    )

    @OptionGroup var configOptions: ConfigOptions

    @OptionGroup var historyOptions: HistorySourceOptions

    @Option(help: "The image's pool.")
    var pool: String

    @Option(help: "The image's namespace (default: the default namespace).")
    var namespace: String = ""

    @Option(help: "The image's name.")
    var image: String

    @Option(help: "How far back: 90s, 30m, 12h, 7d, 2w, or a date such as 2026-11-01.")
    var since: String = "7d"

    @Option(help: "Output format.")
    var format: OutputFormat = .table

    func validate() throws {
        guard TimeSpecification.parse(since) != nil else { throw ValidationError("--since must be like 7d, 12h or 2026-11-01, got '\(since)'") }
    }

    func run() async throws {
        let history = try historyOptions.open(config: configOptions.load())
        defer { history.close() }
        let points: [HistoryPoint]
        do {
            points = try await history.source.history(
                of: ImageLocation(pool: pool, namespace: namespace, image: image), since: TimeSpecification.parse(since)!, until: Date())
        } catch let error as PrometheusError {
            throw fail(error.description)
        } catch {
            throw fail("cannot read \(history.source.sourceName): \(error)")
        }
        print(try render(points), terminator: "")
    }

    private func render(_ points: [HistoryPoint]) throws -> String {
        switch format {
        case .json:
            return try JSONDocument.text(HistoryDocument(location: ImageLocation(pool: pool, namespace: namespace, image: image), points: points))
        case .table, .csv:
            let human = format == .table
            var table = TextTable([
                ("FROM", .left), ("TO", .left), ("RESOLUTION", .left), ("PROVISIONED", .right), ("USED", .right), ("TOTAL USED", .right),
            ])
            for point in points {
                func size(_ value: Double) -> String { human ? ByteCount.format(UInt64(max(value, 0).rounded())) : String(Int64(value.rounded())) }
                table.append([
                    TimeSpecification.format(point.from), TimeSpecification.format(point.to), point.resolution.rawValue,
                    size(Double(point.provisionedBytes)), size(point.usedBytes), size(point.totalUsedBytes),
                ])
            }
            return human ? table.aligned : table.csv
        }
    }
}
