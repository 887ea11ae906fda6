import ArgumentParser
import Config
import RBD

/// How to reach the cluster: the flags every subcommand that talks to Ceph without a config file
/// shares. They override the environment (`RBD_METER_CEPH_*`), which overrides the defaults.
struct ClusterOptions: ParsableArguments {
    @Option(name: .customLong("ceph-conf"), help: "Path of ceph.conf (default: $CEPH_CONF, then /etc/ceph/ceph.conf).")
    var cephConf: String?

    @Option(name: .customLong("mon-host"), help: "Monitor addresses, as ceph.conf's mon_host; with them no ceph.conf is needed.")
    var monitorHosts: String?

    @Option(name: .customLong("id"), help: "Client id, without 'client.' (default: \(ConnectionOptions().clientID)).")
    var clientID: String?

    @Option(help: "Path of the client's keyring (default: as ceph.conf says).")
    var keyring: String?

    @Option(name: .customLong("key-file"), help: "Path of a file holding only the client's base64 key.")
    var keyFile: String?

    @Option(name: .customLong("timeout"), help: "Seconds to wait for the monitors before giving up (default: \(ConnectionOptions().connectTimeout)).")
    var connectTimeout: Int?

    func validate() throws {
        if let connectTimeout, connectTimeout <= 0 { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    /// The options the flags, the environment and the defaults give, in that order.
    func connectionOptions() throws -> ConnectionOptions {
        var config = RBDMeterConfig()
        do {
            try config.applyEnvironment()
        } catch {
            throw fail(error.description, code: 2)
        }
        var options = config.ceph
        options.configFile = cephConf ?? options.configFile
        options.monitorHosts = monitorHosts ?? options.monitorHosts
        options.clientID = clientID ?? options.clientID
        options.keyring = keyring ?? options.keyring
        options.keyFile = keyFile ?? options.keyFile
        options.connectTimeout = connectTimeout ?? options.connectTimeout
        return options
    }
}
