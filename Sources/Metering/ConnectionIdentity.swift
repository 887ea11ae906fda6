import RBD

/// Who a connection is to the cluster: its client name and the address its messages come from.
///
/// The address is what the OSDs fence (`ceph osd blocklist add ADDRESS`) and the monitors list; a
/// fresh connection of the same client has an address of its own.
public struct ConnectionIdentity: Sendable, Hashable {
    /// `client.ID`.
    public var client: String
    /// `127.0.0.1:0/3151374216`; empty when librados could not tell.
    public var address: String

    public init(client: String, address: String) {
        self.client = client
        self.address = address
    }

    /// The identity of `cluster`'s connection.
    public init(_ cluster: Cluster) {
        self.init(client: "client.\(cluster.options.clientID)", address: cluster.address)
    }
}
