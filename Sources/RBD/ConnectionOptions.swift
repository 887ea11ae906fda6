/// How to reach a Ceph cluster: the same inputs as the `ceph` and `rbd` tools take.
public struct ConnectionOptions: Sendable, Equatable {
    /// Path of `ceph.conf`; `nil` searches where librados does (`$CEPH_CONF`, then `/etc/ceph/ceph.conf`, ...).
    public var configFile: String?
    /// The client id without `client.`, as in `--id admin`.
    public var clientID: String
    /// Path of the keyring; `nil` lets librados find it from the config.
    public var keyring: String?
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
        connectTimeout: Int = 10,
        monitorOperationTimeout: Int = 30,
        osdOperationTimeout: Int = 60,
        settings: [String: String] = [:]
    ) {
        self.configFile = configFile
        self.clientID = clientID
        self.keyring = keyring
        self.connectTimeout = connectTimeout
        self.monitorOperationTimeout = monitorOperationTimeout
        self.osdOperationTimeout = osdOperationTimeout
        self.settings = settings
    }
}
