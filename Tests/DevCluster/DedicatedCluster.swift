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
        return try await withCleanup { try await body(dedicated) } cleanup: { await dedicated.down() }
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

    /// Lets a frozen OSD run on and waits until every placement group of `pool` serves reads again.
    ///
    /// A placement group checks a read lease before it serves a read (16 s: 0.8 of
    /// `osd_heartbeat_grace`, renewed every 8 s). A stall longer than what is left of it makes the
    /// first read after the thaw find it expired, and the placement group "laggy": it holds every
    /// client's reads ("waiting for readable" in `dump_ops_in_flight`). With one replica nothing
    /// ever takes it out of that state on Ceph 16.2 (measured: still laggy 4 minutes after the
    /// thaw, for this client and a fresh `rbd` alike, lease renewals notwithstanding) until it peers
    /// again. The dev cluster's one OSD is then marked down, which makes it rejoin and peer at once.
    /// Tests keep their stalls under 8 s so that this stays a rescue, and judge the exporter only
    /// from the moment a new client can read every object of the pool (every placement group that
    /// holds one serves reads).
    ///
    /// - Returns: whether the OSD had to be made to peer again.
    @discardableResult
    public func thawOSD(servingPool pool: String) async throws -> Bool {
        try await thaw("osd")
        let thawed = ContinuousClock.now
        var repeered = false
        var states: [String] = []
        let serving = try await poll(seconds: 180, every: .milliseconds(250)) {
            if try await cluster.readsEveryObject(pool: pool) { return true }
            states = try await cluster.placementGroups(pool: pool).map { "\($0.pgid) \($0.state)" }
            if !repeered && states.contains(where: { $0.contains("laggy") }) && ContinuousClock.now - thawed > .seconds(20) {
                try await cluster.ceph("osd", "down", "0")
                repeered = true
            }
            return false
        }
        guard serving else {
            throw Shell.Failure(command: "thaw osd", status: 1, output: "the pool \(pool) does not serve reads 180 s after the thaw: \(states)")
        }
        return repeered
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
