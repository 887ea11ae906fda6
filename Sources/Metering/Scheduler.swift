import Foundation
import Logging
import RBD
import ServiceLifecycle

/// Scans the cluster now and then every interval, forever, one scan at a time.
///
/// After each scan the ``MeterState`` snapshot is replaced whole and the sinks are told. While the
/// cluster is unreachable the scheduler backs off exponentially instead of waiting a full interval,
/// so that it notices quickly when the cluster returns. On graceful shutdown a running scan is
/// cancelled: its diff iterations stop at the next extent and queued Ceph calls are dropped.
public struct Scheduler: Service {
    public struct Timing: Sendable, Equatable {
        /// Time between the end of one scan and the start of the next.
        public var interval: Duration
        /// Each wait is the interval moved by up to this fraction either way, so that several
        /// exporters started together do not scan in lockstep.
        public var jitter: Double
        /// First retry delay while the cluster is unreachable; it doubles up to ``maximumBackoff``.
        public var initialBackoff: Duration
        public var maximumBackoff: Duration

        public init(interval: Duration, jitter: Double = 0.1, initialBackoff: Duration = .seconds(5), maximumBackoff: Duration = .seconds(300)) {
            self.interval = interval
            self.jitter = jitter
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
        }

        /// The wait before the next scan, after `failures` scans in a row that found the cluster unreachable.
        func delay(afterUnreachable failures: Int, random: Double) -> Duration {
            if failures > 0 {
                let exponent = min(failures - 1, 30)
                let backoff = initialBackoff * (1 << exponent)
                return min(backoff, maximumBackoff)
            }
            let factor = 1 + jitter * (2 * random - 1)
            return interval * factor
        }
    }

    public let connector: ClusterConnector
    public let options: ScanOptions
    public let timing: Timing
    public let state: MeterState
    public let sinks: [any ScanSink]
    public let logger: Logger

    public init(
        connector: ClusterConnector, options: ScanOptions, timing: Timing, state: MeterState,
        sinks: [any ScanSink] = [], logger: Logger = Logger(label: "rbd-meter.scheduler")
    ) {
        self.connector = connector
        self.options = options
        self.timing = timing
        self.state = state
        self.sinks = sinks
        self.logger = logger
    }

    public func run() async throws {
        var unreachable = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let outcome = await cancelWhenGracefulShutdown { await self.scanOnce() }
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
            unreachable = outcome.clusterUnreachable ? unreachable + 1 : 0
            let delay = timing.delay(afterUnreachable: unreachable, random: Double.random(in: 0...1))
            if unreachable > 0 {
                logger.warning("cluster unreachable, retrying", metadata: ["in": "\(delay)", "attempt": "\(unreachable)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            } catch {
                break
            }
        }
        logger.info("scheduler stopped")
    }

    struct Outcome: Sendable {
        var clusterUnreachable: Bool
    }

    /// Connects if needed, scans, publishes. A scan cancelled by shutdown is not published.
    func scanOnce() async -> Outcome {
        let cluster: Cluster
        do {
            cluster = try await connector.connect()
        } catch {
            let failure = ScanFailure(error)
            if Task.isCancelled { return Outcome(clusterUnreachable: false) }
            logger.error("cannot connect to the cluster", metadata: ["error": "\(failure.message)"])
            state.recordUnreachable(failure)
            return Outcome(clusterUnreachable: true)
        }
        let report = await Scanner(cluster: cluster, options: options, logger: logger).scan()
        if Task.isCancelled { return Outcome(clusterUnreachable: false) }
        state.apply(report)
        for sink in sinks {
            await sink.scanFinished(report)
        }
        let unreachable = report.failure?.isClusterUnreachable == true || report.pools.contains { $0.failure?.isClusterUnreachable == true }
        return Outcome(clusterUnreachable: unreachable)
    }
}
