import ArgumentParser
import Foundation
import Logging
import Metering
import RBD

/// `rbd-meter scan`: measures the images once and prints their usage.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Measure every image once and print its usage.",
        discussion: """
            Covers every namespace of the selected pools. Exits with status 1 and a one-line message when \
            a pool or image cannot be measured.
            """
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(name: .customLong("pool"), help: "Pool to scan (repeatable; default: every pool with the rbd application).")
    var pools: [String] = []

    @Option(name: .customLong("image"), help: "Only this image, as pool/image or pool/namespace/image (repeatable).")
    var images: [String] = []

    @Option(help: "object: whole RADOS objects, as rbd du; exact: byte extents.")
    var mode: UsageMode = ScanOptions().mode

    @Option(help: "Output format.")
    var format: OutputFormat = .table

    @Option(help: "Images measured at once; also the number of threads that call Ceph.")
    var concurrency: Int = ScanOptions().concurrency

    @Option(help: "Only the images of shard I of N, as I/N.")
    var shard: String?

    @Flag(help: "Measure images without an object map by diff, not from a listing of the pool's objects.")
    var noListing = false

    @Flag(name: .shortAndLong, help: "Log each step on stderr.")
    var verbose = false

    func validate() throws {
        guard concurrency > 0 else { throw ValidationError("--concurrency must be at least 1") }
        if let shard, Shard(spec: shard) == nil { throw ValidationError("--shard must be I/N with 0 <= I < N, got '\(shard)'") }
        for spec in images where ImageLocation(spec: spec) == nil {
            throw ValidationError("--image '\(spec)' is not of the form pool/image or pool/namespace/image")
        }
    }

    func run() async throws {
        let logger = Logger.cli(label: "rbd-meter.scan", verbose: verbose)
        let connectionOptions = try cluster.connectionOptions()
        let pool = BlockingPool(threads: concurrency)
        let report: ScanReport
        do {
            let connection = try await Cluster.connect(connectionOptions, on: pool)
            let scanner = Scanner(
                cluster: connection,
                options: ScanOptions(pools: pools, mode: mode, concurrency: concurrency, useListing: !noListing, shard: shard.flatMap(Shard.init(spec:))),
                logger: logger
            )
            report = images.isEmpty
                ? await scanner.scan()
                : await scanner.scan(images: images.compactMap(ImageLocation.init(spec:)))
            await connection.close()
        } catch {
            await pool.shutdown()
            throw fail("\(error)")
        }
        await pool.shutdown()
        print(try ScanOutput(report: report).render(format), terminator: "")
        if let failure = report.firstFailure {
            throw fail(failure.message)
        }
        let failed = report.pools.flatMap(\.imageFailures).filter { !$0.vanished }
        if let first = failed.first {
            throw fail("\(failed.count) image(s) could not be measured, first: \(first.failure.message)")
        }
    }
}

extension UsageMode: ExpressibleByArgument {}

extension Logger {
    /// A logger for the command line: warnings only, unless `--verbose`.
    static func cli(label: String, verbose: Bool) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = verbose ? .debug : .warning
        return logger
    }
}
