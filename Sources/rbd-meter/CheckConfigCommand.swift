import ArgumentParser

/// `rbd-meter check-config`: validates the configuration and prints it with every default filled in.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate config.json and print the effective configuration (secrets masked).",
        discussion: "Exits with status 2 and one line naming the file and the key when the configuration is invalid."
    )

    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        print(try configOptions.load().effectiveJSON(), terminator: "")
    }
}
