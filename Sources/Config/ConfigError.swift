/// A config file that cannot be used, with the file and the key to fix.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// Dotted path of the key, e.g. `scan.interval_seconds`; empty for the file as a whole.
    public var key: String
    public var message: String

    public init(file: String, key: String, message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    /// `config.json: scan.interval_seconds: must be a number of seconds of at least 1, got "often"`.
    public var description: String {
        key.isEmpty ? "\(file): \(message)" : "\(file): \(key): \(message)"
    }
}
