import CRBD
import Foundation
import Logging
import Synchronization

/// A connection to a Ceph cluster (`rados_t`).
///
/// librados handles are thread-safe, so one `Cluster` serves every task of the process. Its calls
/// run on the cluster's ``BlockingPool``, never on the caller's thread.
///
/// Whoever connects closes: ``close()`` refuses new calls, closes the connection's ``IOContext``s
/// (each once its running calls end), waits for its own running calls and shuts the client down
/// (`rados_shutdown` joins librados' threads and may wait for the network). Releasing it by
/// dropping the last reference instead depended on the order in which references went, and the
/// process could exit while librados still shut down (a crash seen in CI); the `deinit` stays as a
/// safety net that logs.
public final class Cluster: @unchecked Sendable {
    let handle: rados_t
    /// The threads every Ceph call of this cluster runs on.
    public let pool: BlockingPool
    /// What this connection was made with.
    public let options: ConnectionOptions

    /// The address this client's messages come from, as `ceph osd blocklist ls` and the monitors'
    /// session lists show it (`127.0.0.1:0/3151374216`).
    public let address: String

    /// The calls running on the handle.
    let users = HandleUsers()
    /// The I/O contexts not yet destroyed, each of which needs the handle; counted until
    /// `rados_ioctx_destroy` returns, whether a context was closed or dropped.
    let liveContexts = HandleUsers()
    private let contexts = Mutex<[ObjectIdentifier: WeakContext]>([:])

    private final class WeakContext: @unchecked Sendable {
        weak var context: IOContext?
        init(_ context: IOContext) { self.context = context }
    }

    private init(handle: rados_t, pool: BlockingPool, options: ConnectionOptions, address: String) {
        self.handle = handle
        self.pool = pool
        self.options = options
        self.address = address
    }

    /// Implements: `rados_shutdown`, on the pool, for a connection nobody closed.
    deinit {
        guard !users.isClosing else { return }
        Logger(label: "rbd-meter.rbd").warning("a Ceph connection was dropped without close(); shutting it down now", metadata: [
            "client": "client.\(options.clientID)", "address": "\(address)",
        ])
        let handle = UncheckedHandle(handle)
        pool.runDetached { rados_shutdown(handle.value) }
    }

    /// Closes the connection: new calls fail with `ECANCELED`, every ``IOContext`` of it is closed
    /// once its running calls end, then the client shuts down. Returns when it has; calling it again,
    /// or concurrently, waits for the same close. Implements: `rados_ioctx_destroy`, `rados_shutdown`.
    public func close() async {
        // Every context is made inside a call: once the calls have ended, no new one can appear.
        await users.close { [self] in
            let open = contexts.withLock { Array($0.values) }.compactMap(\.context)
            for context in open { await context.close() }
            // Those dropped meanwhile are destroyed on the pool: wait for that too.
            await liveContexts.close {}
            let handle = UncheckedHandle(handle)
            await pool.release { rados_shutdown(handle.value) }
        }
    }

    /// Runs `body` on the pool as one of the handle's users; fails once the connection is closed.
    @discardableResult
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.run { try self.users.use(self.closedError) { try body() } }
    }

    /// What a call on a closed connection fails with.
    var closedError: RBDError {
        RBDError(operation: "use closed connection", object: "client.\(options.clientID)", code: ECANCELED)
    }

    /// Counts `context` among the contexts ``close()`` closes.
    func register(_ context: IOContext) {
        contexts.withLock { $0[ObjectIdentifier(context)] = WeakContext(context) }
    }

    /// Forgets a context that was closed or dropped.
    func unregister(_ id: ObjectIdentifier) {
        contexts.withLock { $0[id] = nil }
    }

    /// Connects to the cluster that `options` describe.
    ///
    /// Fails with `ETIMEDOUT` after ``ConnectionOptions/connectTimeout`` seconds when no monitor answers.
    /// Implements: `rados_create`, `rados_conf_read_file`, `rados_conf_set`, `rados_connect`.
    public static func connect(_ options: ConnectionOptions, on pool: BlockingPool) async throws -> Cluster {
        let (handle, address) = try await pool.run { () throws -> (UncheckedHandle, String) in
            let handle = try connectBlocking(options)
            return (UncheckedHandle(handle), addressBlocking(handle))
        }
        return Cluster(handle: handle.value, pool: pool, options: options, address: address)
    }

    /// The client's address; empty if librados cannot tell. Implements: `rados_getaddrs`.
    private static func addressBlocking(_ handle: rados_t) -> String {
        var addresses: UnsafeMutablePointer<CChar>?
        guard rados_getaddrs(handle, &addresses) >= 0, let addresses else { return "" }
        defer { rados_buffer_free(addresses) }
        return String(cString: addresses)
    }

    private struct UncheckedHandle: @unchecked Sendable {
        let value: rados_t
        init(_ value: rados_t) { self.value = value }
    }

    private static func connectBlocking(_ options: ConnectionOptions) throws -> rados_t {
        var handle: rados_t?
        let target = "client.\(options.clientID)"
        try check(rados_create(&handle, options.clientID), "create client", target)
        guard let handle else { throw RBDError(operation: "create client", object: target, code: ENOMEM) }
        do {
            // Librados prints its own warnings to stderr by default; ours are typed errors instead.
            for (key, value) in [("log_to_stderr", "false"), ("err_to_stderr", "false")] {
                try check(rados_conf_set(handle, key, value), "set option \(key)", target)
            }
            let conf = options.configFile
            let readResult = rados_conf_read_file(handle, conf)
            // Monitor addresses given directly make a ceph.conf unnecessary (a container has none);
            // one that is there is still read, and a named one must exist.
            if !(readResult == -ENOENT && conf == nil && options.monitorHosts != nil) {
                try check(readResult, "read config", conf ?? "(default search path)")
            }
            try check(rados_conf_parse_env(handle, nil), "read CEPH_ARGS", target)
            if let monitors = options.monitorHosts {
                try check(rados_conf_set(handle, "mon_host", monitors), "set monitor addresses", monitors)
            }
            if let keyring = options.keyring {
                try check(rados_conf_set(handle, "keyring", keyring), "set keyring", keyring)
            }
            if let keyFile = options.keyFile {
                try check(rados_conf_set(handle, "keyfile", keyFile), "set key file", keyFile)
            }
            let timeouts = [
                ("client_mount_timeout", options.connectTimeout),
                ("rados_mon_op_timeout", options.monitorOperationTimeout),
                ("rados_osd_op_timeout", options.osdOperationTimeout),
            ]
            for (key, seconds) in timeouts {
                try check(rados_conf_set(handle, key, String(seconds)), "set option \(key)", target)
            }
            for (key, value) in options.settings.sorted(by: { $0.key < $1.key }) {
                try check(rados_conf_set(handle, key, value), "set option \(key)", target)
            }
            let connected = rados_connect(handle)
            // The monitors refuse an unknown client, or a wrong key, at once: say so, not just EACCES.
            if connected == -EACCES || connected == -EPERM {
                throw RBDError(operation: "authentication failed for", object: "\(target) (no key for it in the keyring or key file, or a wrong one)", code: -connected)
            }
            try check(connected, "connect to cluster as", target)
            return handle
        } catch {
            rados_shutdown(handle)
            throw error
        }
    }

    // MARK: Pools

    /// The names of every pool. Implements: `rados_wait_for_latest_osdmap`, `rados_pool_list`.
    public func poolNames() async throws -> [String] {
        try await run { try self.poolNamesBlocking() }
    }

    func poolNamesBlocking() throws -> [String] {
        // The pool list comes from the client's copy of the OSD map: make it current first, or a
        // young connection may list only the pools of an old map.
        try check(rados_wait_for_latest_osdmap(handle), "wait for the latest OSD map", "")
        var capacity = 4096
        while true {
            var buffer = [CChar](repeating: 0, count: capacity)
            let needed = try buffer.withUnsafeMutableBufferPointer { pointer -> Int in
                let result = rados_pool_list(handle, pointer.baseAddress, pointer.count)
                try check(result, "list pools", "")
                return Int(result)
            }
            if needed <= capacity {
                return buffer.withUnsafeMutableBufferPointer { nulSeparatedStrings($0, length: needed) }
            }
            capacity = needed
        }
    }

    /// Every pool with its id and enabled applications. Implements: `rados_pool_list`,
    /// `rados_application_list`.
    public func pools() async throws -> [PoolInfo] {
        try await run {
            try self.poolNamesBlocking().compactMap { name in
                do {
                    let context = try IOContext(cluster: self, pool: name, namespace: "")
                    return PoolInfo(name: name, id: context.poolID, applications: try context.applicationsBlocking())
                } catch let error as RBDError where error.kind == .notFound {
                    return nil  // deleted since it was listed
                }
            }
        }
    }

    /// The pools with the `rbd` application enabled, the ones `rbd pool init` prepared.
    /// Implements: `rados_application_list`.
    public func rbdPoolNames() async throws -> [String] {
        try await run {
            try self.poolNamesBlocking().filter { name in
                do {
                    let context = try IOContext(cluster: self, pool: name, namespace: "")
                    return try context.applicationsBlocking().contains("rbd")
                } catch let error as RBDError where error.kind == .notFound {
                    return false  // deleted since it was listed
                }
            }
        }
    }

    /// Creates a replicated pool with the cluster's defaults and initialises it for RBD, like
    /// `ceph osd pool create NAME` followed by `rbd pool init NAME`.
    ///
    /// A pool whose initialisation fails is deleted again, so a failed call leaves nothing behind.
    /// Implements: `rados_pool_create`, `rbd_pool_init`.
    public func createPool(_ name: String) async throws {
        try await run {
            try check(rados_pool_create(self.handle, name), "create pool", name)
            do {
                let context = try IOContext(cluster: self, pool: name, namespace: "")
                try check(rbd_pool_init(context.handle, false), "initialise pool", name)
            } catch {
                _ = rados_pool_delete(self.handle, name)
                throw error
            }
        }
    }

    /// Deletes a pool and every object in it. Implements: `rados_pool_delete`.
    public func deletePool(_ name: String) async throws {
        try await run {
            try check(rados_pool_delete(self.handle, name), "delete pool", name)
        }
    }

    /// Opens an I/O context on `pool` (and `namespace`, "" for the default one).
    /// Fails with `ENOENT` when the pool does not exist. Implements: `rados_ioctx_create`.
    public func ioContext(pool name: String, namespace: String = "") async throws -> IOContext {
        try await run { try IOContext(cluster: self, pool: name, namespace: namespace) }
    }

    // MARK: Commands

    /// Sends a JSON command to the monitors (as the `ceph` CLI does) and returns its output.
    /// Implements: `rados_mon_command`.
    public func monitorCommand(_ json: String) async throws -> String {
        try await run { try self.command(json, to: .monitor) }
    }

    /// Sends a JSON command to the active manager and returns its output.
    /// Implements: `rados_mgr_command`.
    public func managerCommand(_ json: String) async throws -> String {
        try await run { try self.command(json, to: .manager) }
    }

    private enum CommandTarget { case monitor, manager }

    private func command(_ json: String, to target: CommandTarget) throws -> String {
        var output: UnsafeMutablePointer<CChar>?
        var outputLength = 0
        var status: UnsafeMutablePointer<CChar>?
        var statusLength = 0
        let result = json.withCString { command -> Int32 in
            var commands: [UnsafePointer<CChar>?] = [command]
            return commands.withUnsafeMutableBufferPointer { list in
                switch target {
                case .monitor:
                    return rados_mon_command(handle, list.baseAddress, 1, nil, 0, &output, &outputLength, &status, &statusLength)
                case .manager:
                    return rados_mgr_command(handle, list.baseAddress, 1, nil, 0, &output, &outputLength, &status, &statusLength)
                }
            }
        }
        defer {
            if let output { rados_buffer_free(output) }
            if let status { rados_buffer_free(status) }
        }
        let prefix = (try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["prefix"] as? String
        try check(result, "run command", prefix ?? json)
        guard let output, outputLength > 0 else { return "" }
        return output.withMemoryRebound(to: UInt8.self, capacity: outputLength) {
            String(decoding: UnsafeBufferPointer(start: $0, count: outputLength), as: UTF8.self)
        }
    }
}

/// A pool's name, id and enabled applications.
public struct PoolInfo: Sendable, Equatable {
    public var name: String
    public var id: Int64
    /// `rbd`, `cephfs`, `rgw`, `mgr`, ...
    public var applications: [String]
}
