import ArgumentParser
import Config
import Foundation

/// `--config PATH`, shared by the subcommands that read `config.json`.
struct ConfigOptions: ParsableArguments {
    @Option(help: "Path of config.json (default: $RBD_METER_CONFIG; without either, the built-in defaults).")
    var config: String?

    /// The validated configuration with the environment's overrides (`RBD_METER_CEPH_MON_HOST`, ...);
    /// a bad file or variable ends the command with status 2 and one line naming it.
    func load() throws -> RBDMeterConfig {
        do {
            var loaded = RBDMeterConfig()
            if let path = config ?? ProcessInfo.processInfo.environment["RBD_METER_CONFIG"], !path.isEmpty {
                loaded = try RBDMeterConfig.load(path: path)
            }
            try loaded.applyEnvironment()
            return loaded
        } catch {
            throw fail(error.description, code: 2)
        }
    }
}
