import ArgumentParser
import Exposition

/// `rbd-meter`: meters Ceph RBD images. One subcommand per file.
@main
struct RBDMeterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rbd-meter",
        abstract: "Meter how much of each Ceph RBD image is really allocated.",
        // The same version rbd_meter_build_info exports.
        version: RBDMeterVersion.current,
        subcommands: [ScanCommand.self, ServeCommand.self, HistoryCommand.self, ReportCommand.self, QuotaCommand.self, CheckConfigCommand.self, MakeCredentialCommand.self]
    )
}
