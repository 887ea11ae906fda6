import Foundation

extension RBDMeterConfig {
    /// The environment variables that override single keys of the file, so that a container needs
    /// no config file of its own: variable, section and key.
    public static let environmentOverrides: [(variable: String, section: String, key: String)] = [
        ("RBD_METER_CEPH_CONF", "ceph", "conf"),
        ("RBD_METER_CEPH_ID", "ceph", "id"),
        ("RBD_METER_CEPH_KEYRING", "ceph", "keyring"),
        ("RBD_METER_CEPH_MON_HOST", "ceph", "mon_host"),
        ("RBD_METER_CEPH_KEY_FILE", "ceph", "key_file"),
        ("RBD_METER_LISTEN", "server", "listen"),
        ("RBD_METER_DATABASE_PATH", "database", "path"),
        ("RBD_METER_SHARD", "scan", "shard"),
    ]

    /// Applies the variables of ``environmentOverrides`` that are set and not empty, checked as the
    /// keys of the file are; an error names the variable.
    public mutating func applyEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) {
        for (variable, section, key) in Self.environmentOverrides {
            guard let value = environment[variable], !value.isEmpty else { continue }
            var object = ConfigObject(file: "$\(variable)", path: section, members: [key: .string(value)])
            do {
                switch section {
                case "ceph": try readCeph(&object)
                case "server": try readServer(&object)
                case "database": try readDatabase(&object)
                default: try readScan(&object)
                }
            } catch {
                throw ConfigError(file: "$\(variable)", key: "", message: error.message)
            }
        }
    }
}
