import ArgumentParser
import Config
import Foundation
import History
import Logging
import Metering
import RBD
import Server
import ServiceLifecycle

/// `rbd-meter serve`: the exporter daemon — scheduler, history, `/metrics` and the REST API.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Scan periodically, keep the history, and serve /metrics and the REST API.",
        discussion: "SIGTERM or SIGINT stop accepting requests, cancel a running scan, close the database and exit 0."
    )

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: "HOST:PORT to listen on, overriding server.listen.")
    var listen: String?

    @Option(help: "Only the images of shard I of N, as I/N, overriding scan.shard.")
    var shard: String?

    @Flag(help: "Open every image with librbd, as before header probes, overriding scan.librbd_only: to compare the fast path with librbd's own answers.")
    var librbdOnly = false

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        var config = try configOptions.load()
        if let listen {
            guard let (host, port) = RBDMeterConfig.parseListen(listen) else {
                throw fail("--listen must be HOST:PORT, got \"\(listen)\"", code: 2)
            }
            config.server.host = host
            config.server.port = Int(port)
        }
        if let shard {
            guard let parsed = Shard(spec: shard) else { throw fail("--shard must be I/N with 0 <= I < N, got \"\(shard)\"", code: 2) }
            config.scan.shard = parsed
        }
        if librbdOnly { config.scan.librbdOnly = true }
        let logLevel = self.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        // A file-size limit (ulimit -f) must fail the history write, not kill the exporter.
        signal(SIGXFSZ, SIG_IGN)
        ClientMemory.tuneForDaemon()
        let logger = Logger(label: "rbd-meter")
        try await Daemon(config: config, logger: logger).run()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
