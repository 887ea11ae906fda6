/// How to reach a Ceph cluster: the same inputs as the `ceph` and `rbd` tools take.
public struct ConnectionOptions: Sendable, Equatable {
    /// Path of `ceph.conf`; `nil` searches where librados does (`$CEPH_CONF`, then `/etc/ceph/ceph.conf`, ...).
    public var configFile: String?
    /// The client id without `client.`, as in `--id admin`.
    public var clientID: String
    /// Path of the keyring; `nil` lets librados find it from the config.
    public var keyring: String?
    /// Monitor addresses as Ceph's `mon_host` takes them (`10.0.0.1:6789,10.0.0.2:6789`, or `v2:` forms):
    /// with them no `ceph.conf` is needed, as in a container.
    public var monitorHosts: String?
    /// Path of a file holding only the client's base64 key (`keyfile`), as Kubernetes secrets hold it.
    public var keyFile: String?
    /// Seconds to wait for the monitors when connecting (`client_mount_timeout`).
    public var connectTimeout: Int
    /// Seconds a monitor request may take before it fails with `ETIMEDOUT` (`rados_mon_op_timeout`).
    public var monitorOperationTimeout: Int
    /// Seconds an OSD request may take before it fails with `ETIMEDOUT` (`rados_osd_op_timeout`).
    public var osdOperationTimeout: Int
    /// Further Ceph options set on the client after the config file, e.g. `["debug_rbd": "20"]`.
    public var settings: [String: String]

    public init(
        configFile: String? = nil,
        clientID: String = "admin",
        keyring: String? = nil,
        monitorHosts: String? = nil,
        keyFile: String? = nil,
        connectTimeout: Int = 10,
        monitorOperationTimeout: Int = 30,
        osdOperationTimeout: Int = 60,
        settings: [String: String] = [:]
    ) {
        self.configFile = configFile
        self.clientID = clientID
        self.keyring = keyring
        self.monitorHosts = monitorHosts
        self.keyFile = keyFile
        self.connectTimeout = connectTimeout
        self.monitorOperationTimeout = monitorOperationTimeout
        self.osdOperationTimeout = osdOperationTimeout
        self.settings = settings
    }

    /// The same cluster as another client: the REST API may act with a key of its own while the
    /// metering side keeps a read-only one.
    public func actingAs(clientID: String, keyring: String?, keyFile: String?) -> ConnectionOptions {
        var options = self
        options.clientID = clientID
        options.keyring = keyring
        options.keyFile = keyFile
        return options
    }
}
