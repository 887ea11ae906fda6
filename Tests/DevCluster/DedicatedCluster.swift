import Foundation

/// A dev cluster of one test's own, for fault tests that stop its daemons: stopping the shared
/// cluster's OSD would fail every other test running at the same time.
public final class DedicatedCluster: @unchecked Sendable {
    public let folder: String
    public let cluster: DevCluster

    private static var script: String { DevCluster.packageRoot.appendingPathComponent("scripts/ceph-dev-cluster").path }

    /// Runs `body` on a cluster of its own and removes the cluster afterwards, whatever happens.
    public static func with<T>(_ body: (DedicatedCluster) async throws -> T) async throws -> T {
        let dedicated = try await DedicatedCluster()
        do {
            let result = try await body(dedicated)
            await dedicated.down()
            return result
        } catch {
            await dedicated.down()
            throw error
        }
    }

    /// Starts a cluster in a fresh folder on a free port.
    public init() async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("rbd-meter-fault-\(UUID().uuidString.prefix(8))").path
        let conf = try await Shell.run(Self.script, ["up", folder]).split(separator: "\n").last.map(String.init) ?? ""
        cluster = DevCluster(configFile: conf)
    }

    /// Stops a daemon (`mon`, `mgr` or `osd`) the way an operator or a crash would.
    public func stop(_ daemon: String) async throws {
        try await Shell.run(Self.script, ["stop", folder, daemon])
    }

    /// Freezes a daemon with SIGSTOP: it stops answering, as a hung or cut-off daemon does, and
    /// keeps its state (a memstore OSD killed outright would come back empty).
    public func freeze(_ daemon: String) async throws {
        try await Shell.run(Self.script, ["freeze", folder, daemon])
    }

    /// Lets a frozen daemon run on.
    public func thaw(_ daemon: String) async throws {
        try await Shell.run(Self.script, ["thaw", folder, daemon])
    }

    /// Starts a stopped daemon again.
    public func start(_ daemon: String) async throws {
        try await Shell.run(Self.script, ["start", folder, daemon])
    }

    /// Stops every daemon and removes the folder.
    public func down() async {
        _ = try? await Shell.run(Self.script, ["down", folder])
    }
}

/// Lets one heavy test (a fault, a load) run at a time: on two cores, two of them at once would
/// turn their timing checks into a measure of each other.
public actor HeavyTestGate {
    public static let shared = HeavyTestGate()
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public func run<T: Sendable>(_ body: @Sendable () async throws -> T) async rethrows -> T {
        while busy {
            await withCheckedContinuation { waiting.append($0) }
        }
        busy = true
        defer {
            busy = false
            if !waiting.isEmpty { waiting.removeFirst().resume() }
        }
        return try await body()
    }
}
