import Foundation
import RBD

/// The real Ceph cluster the integration tests run against.
///
/// `scripts/test` starts one and exports `RBD_METER_TEST_CEPH_CONF`; without it, the first test that
/// asks starts (or reuses) one under `.dev-cluster/test` in the package, which stays up for the next
/// run. Tests never skip for lack of a cluster: they fail.
public struct DevCluster: Sendable {
    /// Path of the cluster's `ceph.conf`.
    public let configFile: String

    /// The cluster shared by every test of the process.
    public static func shared() async throws -> DevCluster {
        try await SharedCluster.instance.get()
    }

    /// The package's root folder.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The monitor addresses of the cluster's `ceph.conf` (`mon host`), as `ceph.mon_host` takes them.
    public func monitorHosts() throws -> String {
        let conf = try String(contentsOfFile: configFile, encoding: .utf8)
        guard let line = conf.split(separator: "\n").first(where: { $0.hasPrefix("mon host") }),
              let value = line.split(separator: "=", maxSplits: 1).last
        else { throw Shell.Failure(command: "read \(configFile)", status: 1, output: "no mon host line") }
        return value.trimmingCharacters(in: .whitespaces)
    }

    /// Creates a Ceph client `client.PREFIX-RANDOM` with `caps` (`["mon", "profile rbd", ...]`),
    /// writes only its key to a file, runs `body` with the client id and the key file, and removes
    /// the client and the file.
    public func withClient<T>(_ prefix: String, caps: [String], _ body: (_ id: String, _ keyFile: String) async throws -> T) async throws -> T {
        let id = "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        try await ceph(["auth", "get-or-create", "client.\(id)"] + caps)
        let result: T
        do {
            result = try await TemporaryFolder.with("rbd-meter-key") { folder in
                let keyFile = folder.appendingPathComponent("\(id).key").path
                try (try await ceph(["auth", "print-key", "client.\(id)"])).write(toFile: keyFile, atomically: true, encoding: .utf8)
                return try await body(id, keyFile)
            }
        } catch {
            _ = try? await ceph(["auth", "del", "client.\(id)"])
            throw error
        }
        try await ceph(["auth", "del", "client.\(id)"])
        return result
    }

    /// Connection options for this cluster, with timeouts that still end a hang.
    ///
    /// They are generous because no test on the shared cluster waits for one to expire (fault
    /// tests use a ``DedicatedCluster`` and their own), while a runner busy with every suite at once
    /// once took over 20 s to activate a new pool's placement groups for `rbd_pool_init`.
    public func connectionOptions(timeout: Int = 30) -> ConnectionOptions {
        ConnectionOptions(configFile: configFile, connectTimeout: timeout, monitorOperationTimeout: timeout, osdOperationTimeout: timeout * 2)
    }

    /// A fresh connection, on the tests' shared threads; whoever asks closes it.
    public func connect() async throws -> Cluster {
        try await Cluster.connect(connectionOptions(), on: Self.pool)
    }

    /// Runs `body` with a fresh connection and closes it afterwards, whether `body` throws or not.
    public func withConnection<T>(_ body: (Cluster) async throws -> T) async throws -> T {
        let cluster = try await connect()
        return try await withCleanup { try await body(cluster) } cleanup: { await cluster.close() }
    }

    /// The threads of every connection the tests make: one bounded set for the whole process,
    /// instead of threads per connection that nobody stops.
    public static let pool = BlockingPool(threads: 16)

    /// Runs the `rbd` CLI against this cluster and returns its standard output.
    @discardableResult
    public func rbd(_ arguments: String...) async throws -> String {
        try await rbd(arguments)
    }

    /// The same with the arguments as a list.
    @discardableResult
    public func rbd(_ arguments: [String]) async throws -> String {
        try await Shell.run("rbd", ["--conf", configFile] + arguments)
    }

    /// Runs the `ceph` CLI against this cluster and returns its standard output.
    @discardableResult
    public func ceph(_ arguments: String...) async throws -> String {
        try await ceph(arguments)
    }

    /// The same with the arguments as a list.
    @discardableResult
    public func ceph(_ arguments: [String]) async throws -> String {
        try await Shell.run("ceph", ["--conf", configFile] + arguments)
    }

    /// Runs the `rados` CLI on `pool` of this cluster and returns its standard output.
    @discardableResult
    public func rados(_ pool: String, _ arguments: String...) async throws -> String {
        try await Shell.run("rados", ["--conf", configFile, "-p", pool] + arguments)
    }

    /// Creates a pool initialised for RBD with a name unique to this run, runs `body`, and deletes it.
    public func withPool<T>(_ prefix: String = "test", _ body: (String) async throws -> T) async throws -> T {
        let name = "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        try await ceph("osd", "pool", "create", name, "8")
        do {
            try await rbd("pool", "init", name)
            let result = try await body(name)
            try await deletePool(name)
            return result
        } catch {
            try? await deletePool(name)
            throw error
        }
    }

    /// Whether a new client can list the pool and stat every object in it, each request within 5 s.
    public func readsEveryObject(pool: String) async throws -> Bool {
        let rados = "rados --conf '\(configFile)' --rados-osd-op-timeout 5 -p '\(pool)'"
        let script = "set -o pipefail; \(rados) ls | while read -r object; do \(rados) stat \"$object\" >/dev/null || exit 1; done"
        return (try? await Shell.run("/bin/bash", ["-c", script])) != nil
    }

    /// The pool's placement groups as the manager last heard of them from their OSD.
    public func placementGroups(pool: String) async throws -> [PlacementGroupStat] {
        struct Listing: Decodable { var pg_stats: [PlacementGroupStat] }
        let json = try await ceph("pg", "ls-by-pool", pool, "--format", "json")
        return try JSONDecoder().decode(Listing.self, from: Data(json.utf8)).pg_stats
    }

    /// Deletes a pool and everything in it.
    public func deletePool(_ name: String) async throws {
        try await ceph("osd", "pool", "delete", name, name, "--yes-i-really-really-mean-it")
    }

    /// Writes with `rbd bench`: `total` bytes in `ioSize` pieces, sequential or random.
    public func write(_ spec: String, ioSize: String, total: String, pattern: String = "rand") async throws {
        try await rbd("bench", "--io-type", "write", "--io-size", ioSize, "--io-total", total, "--io-pattern", pattern, spec)
    }

    /// `rbd du --format json` of one image: the image's rows (snapshots, then the head).
    public func du(_ spec: String, exact: Bool, mergeSnapshots: Bool = false) async throws -> [DiskUsageRow] {
        var arguments = ["du", "--format", "json", spec]
        if exact { arguments.append("--exact") }
        if mergeSnapshots { arguments.append("--merge-snapshots") }
        let output = try await Shell.run("rbd", ["--conf", configFile] + arguments)
        struct Output: Decodable { var images: [DiskUsageRow] }
        return try JSONDecoder().decode(Output.self, from: Data(output.utf8)).images
    }

    /// The bytes `rbd diff --format json` reports as existing, with `--whole-object` when asked.
    public func diffBytes(_ spec: String, wholeObject: Bool, fromSnapshot: String? = nil) async throws -> UInt64 {
        var arguments = ["--conf", configFile, "diff", "--format", "json", spec]
        if wholeObject { arguments.append("--whole-object") }
        if let fromSnapshot { arguments += ["--from-snap", fromSnapshot] }
        struct Extent: Decodable {
            var length: UInt64
            var exists: String
        }
        let extents = try JSONDecoder().decode([Extent].self, from: Data(try await Shell.run("rbd", arguments).utf8))
        return extents.filter { $0.exists == "true" }.reduce(0) { $0 + $1.length }
    }
}

/// A placement group's state as `ceph pg ls-by-pool --format json` lists it.
public struct PlacementGroupStat: Decodable, Sendable {
    public var pgid: String
    /// `active+clean`, `active+clean+laggy`, ...
    public var state: String
}

/// One row of `rbd du --format json`.
public struct DiskUsageRow: Decodable, Sendable {
    public var name: String
    public var id: String
    public var snapshot: String?
    public var provisioned_size: UInt64
    public var used_size: UInt64
}

/// Starts the shared cluster once per process, however many tests ask at once: the first caller
/// starts it, the others wait for that same start.
actor SharedCluster {
    static let instance = SharedCluster()
    private var start: Task<DevCluster, any Error>?

    func get() async throws -> DevCluster {
        if let start { return try await start.value }
        let task = Task { try await Self.startOrReuse() }
        start = task
        return try await task.value
    }

    private static func startOrReuse() async throws -> DevCluster {
        let environment = ProcessInfo.processInfo.environment
        let conf: String
        if let configured = environment["RBD_METER_TEST_CEPH_CONF"], !configured.isEmpty {
            conf = configured
        } else {
            let script = DevCluster.packageRoot.appendingPathComponent("scripts/ceph-dev-cluster").path
            let folder = DevCluster.packageRoot.appendingPathComponent(".dev-cluster/test").path
            conf = try await Shell.run(script, ["up", folder]).trimmingCharacters(in: .whitespacesAndNewlines)
                .split(separator: "\n").last.map(String.init) ?? ""
        }
        guard FileManager.default.fileExists(atPath: conf) else {
            throw Shell.Failure(command: "dev cluster", status: 1, output: "no ceph.conf at '\(conf)'")
        }
        return DevCluster(configFile: conf)
    }
}
