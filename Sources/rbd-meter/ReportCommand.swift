import ArgumentParser
import Config
import Foundation
import Metering
import History
import PrometheusHistory
import Reports

/// `rbd-meter report`: capacity, growth and quotas from the history, or usage for chargeback.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Capacity report from the history: usage by group, growth, days to full, top growers, quotas; or GiB-hours for chargeback.",
        discussion: """
            Without --usage: current provisioned and used bytes by group, growth per day (a fit over the period that one \
            outlier scan cannot bend), days until the first limit (quota or provisioned size), the fastest growers and the \
            quotas over threshold. --format html writes one self-contained page with charts.
            With --usage: what each group consumed between --since and --until, as GiB-hours of used, total-used and \
            provisioned bytes, with the hours the history covers and the gaps it does not.
            The history is the SQLite database, several merged (--database once per shard), or Prometheus (--prometheus, \
            narrowed with --match): the same report from each.
            """
    )

    @OptionGroup var configOptions: ConfigOptions

    @OptionGroup var historyOptions: HistorySourceOptions

    @Option(help: "Start of the period: 30d, 12h, or a date such as 2026-11-01.")
    var since: String = "30d"

    @Option(help: "End of the period (default: now).")
    var until: String?

    @Option(help: "pool, namespace, image, pvc_namespace or volumesnapshot.")
    var by: ReportGrouping = .pool

    @Option(help: "Days an image must go without watchers and without changing to count as idle.")
    var idleDays: Double = 30

    @Flag(help: "Chargeback: integrate usage over the period instead.")
    var usage = false

    @Option(help: "table, csv, json or html (html only without --usage).")
    var format: Format = .table

    @Option(help: "Write to this file instead of standard output.")
    var output: String?

    enum Format: String, ExpressibleByArgument {
        case table, csv, json, html
    }

    func validate() throws {
        guard TimeSpecification.parse(since) != nil else { throw ValidationError("--since must be like 30d, 12h or 2026-11-01, got '\(since)'") }
        if let until, TimeSpecification.parse(until) == nil { throw ValidationError("--until must be like 1d or 2026-12-01, got '\(until)'") }
        guard idleDays > 0, idleDays.isFinite else { throw ValidationError("--idle-days must be a positive number of days, got \(idleDays)") }
        if usage && format == .html { throw ValidationError("--usage prints table, csv or json") }
    }

    func run() async throws {
        let config = try configOptions.load()
        let history = try historyOptions.open(config: config)
        defer { history.close() }
        let end = until.flatMap { TimeSpecification.parse($0) } ?? Date()
        let start = TimeSpecification.parse(since, now: end)!
        let text: String
        do {
            if usage {
                text = try render(try await UsageMetering.lines(history: history.source, from: start, until: end, by: by))
            } else {
                let report = try await CapacityReport.build(
                    history: history.source, since: start, now: end, grouping: by, rules: config.quotas, engine: config.forecast, idleDays: idleDays)
                switch format {
                case .table: text = report.table
                case .csv: text = report.csv
                case .json: text = try report.json()
                case .html: text = report.html
                }
            }
        } catch let error as PrometheusError {
            throw fail(error.description)
        } catch {
            throw fail("cannot read \(history.source.sourceName): \(error)")
        }
        if let output {
            do {
                try text.write(toFile: output, atomically: true, encoding: .utf8)
            } catch {
                throw fail("cannot write \(output): \(error.localizedDescription)")
            }
        } else {
            print(text, terminator: "")
        }
    }

    /// One group in `--usage --format json`: numbers as numbers, times as in the table.
    private struct UsageRow: Encodable {
        var group: String
        var from: String
        var until: String
        var usedGibHours: Double
        var totalUsedGibHours: Double
        var provisionedGibHours: Double
        var coveredHours: Double
        var gapHours: Double
    }

    private func render(_ lines: [UsageLine]) throws -> String {
        if format == .json {
            return try JSONDocument.text(["usage": lines.map {
                UsageRow(
                    group: $0.group, from: TimeSpecification.format($0.from), until: TimeSpecification.format($0.until),
                    usedGibHours: $0.usedGiBHours, totalUsedGibHours: $0.totalUsedGiBHours,
                    provisionedGibHours: $0.provisionedGiBHours, coveredHours: $0.coveredHours, gapHours: $0.gapHours)
            }])
        }
        let human = format == .table
        var table = TextTable([
            (human ? by.rawValue.uppercased() : by.rawValue, .left), (human ? "FROM" : "from", .left), (human ? "UNTIL" : "until", .left),
            (human ? "USED GIB-H" : "used_gib_hours", .right), (human ? "TOTAL USED GIB-H" : "total_used_gib_hours", .right),
            (human ? "PROVISIONED GIB-H" : "provisioned_gib_hours", .right), (human ? "COVERED H" : "covered_hours", .right),
            (human ? "GAP H" : "gap_hours", .right),
        ])
        for line in lines {
            table.append([
                line.group, TimeSpecification.format(line.from), TimeSpecification.format(line.until),
                String(format: "%.3f", line.usedGiBHours), String(format: "%.3f", line.totalUsedGiBHours),
                String(format: "%.3f", line.provisionedGiBHours), String(format: "%.2f", line.coveredHours), String(format: "%.2f", line.gapHours),
            ])
        }
        switch format {
        case .table, .html: return table.aligned
        case .csv, .json: return table.csv
        }
    }
}

extension ReportGrouping: ExpressibleByArgument {}
