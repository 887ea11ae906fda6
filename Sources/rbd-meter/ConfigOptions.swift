import ArgumentParser
import Config
import Foundation

/// `--config PATH`, shared by the subcommands that read `config.json`.
struct ConfigOptions: ParsableArguments {
    @Option(help: "Path of config.json (default: $RBD_METER_CONFIG; without either, the built-in defaults).")
    var config: String?

    /// The validated configuration; a bad file ends the command with status 2 and one line naming the key.
    func load() throws -> RBDMeterConfig {
        guard let path = config ?? ProcessInfo.processInfo.environment["RBD_METER_CONFIG"], !path.isEmpty else {
            return RBDMeterConfig()
        }
        do {
            return try RBDMeterConfig.load(path: path)
        } catch {
            throw fail(error.description, code: 2)
        }
    }
}
