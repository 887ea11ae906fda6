import ArgumentParser
import Config
import Foundation
import Metering
import RBD
import Reports

/// `rbd-meter quota`: the quota rules of the config.
struct QuotaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quota",
        abstract: "Check the quota rules of config.json.",
        subcommands: [QuotaCheckCommand.self]
    )
}

/// `rbd-meter quota check`: scans now and says which rules are over their thresholds; for cron.
struct QuotaCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Scan now and print the quota rules over their warning or critical ratio.",
        discussion: "Exits with status 1 when a rule reaches the --fail-on level (critical by default), so that cron or a monitoring check notices."
    )

    enum Level: String, ExpressibleByArgument {
        case warning, critical
    }

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: "The level at which the exit status is 1.")
    var failOn: Level = .critical

    @Flag(help: "Print every rule, not only those over a threshold.")
    var all = false

    @Option(help: "Output format.")
    var format: OutputFormat = .table

    func run() async throws {
        let config = try configOptions.load()
        guard !config.quotas.isEmpty else { throw fail("\(config.file) defines no quotas", code: 2) }
        let pool = BlockingPool(threads: config.scan.concurrency)
        let report: ScanReport
        do {
            let cluster = try await Cluster.connect(config.ceph, on: pool)
            report = await Metering.Scanner(cluster: cluster, options: config.scan, logger: .cli(label: "rbd-meter.quota", verbose: false)).scan()
            await cluster.close()
        } catch {
            await pool.shutdown()
            throw fail("\(error)")
        }
        await pool.shutdown()
        if let failure = report.firstFailure { throw fail(failure.message) }
        let pools = report.pools.map { PoolState(pool: $0.pool, images: $0.images, namespaces: $0.namespaces, capacity: $0.capacity) }
        let statuses = QuotaEvaluator.evaluate(config.quotas, pools: pools).filter { all || $0.level != .ok }
        print(try render(statuses), terminator: "")
        let threshold: QuotaStatus.Level = failOn == .critical ? .critical : .warning
        if statuses.contains(where: { $0.level >= threshold }) {
            throw ExitCode(1)
        }
    }

    private func render(_ statuses: [QuotaStatus]) throws -> String {
        let sorted = statuses.sorted(by: { ($0.level, $0.ratio) > ($1.level, $1.ratio) })
        if format == .json {
            return try JSONDocument.text(["quotas": sorted.map(\.row)])
        }
        let human = format == .table
        var table = TextTable([
            (human ? "LEVEL" : "level", .left), (human ? "RULE" : "rule", .left), (human ? "SCOPE" : "scope", .left),
            (human ? "SUBJECT" : "subject", .left), (human ? "USED" : "used_bytes", .right), (human ? "LIMIT" : "limit_bytes", .right),
            (human ? "RATIO" : "ratio", .right),
        ])
        for status in sorted {
            table.append([
                status.level.rawValue, status.rule.name, status.rule.scope.rawValue, status.subject,
                human ? ByteCount.format(status.usedBytes) : String(status.usedBytes),
                human ? ByteCount.format(status.rule.limitBytes) : String(status.rule.limitBytes),
                String(format: human ? "%.1f%%" : "%.4f", human ? status.ratio * 100 : status.ratio),
            ])
        }
        switch format {
        case .table: return statuses.isEmpty ? "every quota rule is below its warning ratio\n" : table.aligned
        case .csv, .json: return table.csv
        }
    }
}
