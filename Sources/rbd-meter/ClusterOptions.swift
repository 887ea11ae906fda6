import ArgumentParser
import RBD

/// How to reach the cluster: the flags every subcommand that talks to Ceph shares.
struct ClusterOptions: ParsableArguments {
    @Option(name: .customLong("ceph-conf"), help: "Path of ceph.conf (default: $CEPH_CONF, then /etc/ceph/ceph.conf).")
    var cephConf: String?

    @Option(name: .customLong("id"), help: "Client id, without 'client.'.")
    var clientID: String = "admin"

    @Option(help: "Path of the client's keyring (default: as ceph.conf says).")
    var keyring: String?

    @Option(name: .customLong("timeout"), help: "Seconds to wait for the monitors before giving up.")
    var connectTimeout: Int = 10

    func validate() throws {
        guard connectTimeout > 0 else { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    var connectionOptions: ConnectionOptions {
        ConnectionOptions(
            configFile: cephConf,
            clientID: clientID,
            keyring: keyring,
            connectTimeout: connectTimeout,
            monitorOperationTimeout: max(connectTimeout, 10),
            osdOperationTimeout: max(connectTimeout * 3, 30)
        )
    }
}
