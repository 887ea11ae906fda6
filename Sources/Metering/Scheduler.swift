import Foundation
import Logging
import ServiceLifecycle

/// Scans the cluster now and then every interval, forever, one scan at a time.
///
/// After each scan the ``MeterState`` snapshot is replaced whole and the sinks are told. While the
/// cluster is unreachable the scheduler backs off exponentially instead of waiting a full interval,
/// so that it notices quickly when the cluster returns; a single pool that times out backs off by the
/// same rule while the others are scanned on (``PoolBackoff``). On graceful shutdown a running scan
/// is cancelled: its diff iterations stop at the next extent and queued Ceph calls are dropped.
public struct Scheduler: Service {
    public struct Timing: Sendable, Equatable {
        /// Time between the end of one scan and the start of the next.
        public var interval: Duration
        /// Each wait is the interval moved by up to this fraction either way, so that several
        /// exporters started together do not scan in lockstep.
        public var jitter: Double
        /// First retry delay while the cluster is unreachable (at most the interval); it doubles up to
        /// ``maximumBackoff``.
        public var initialBackoff: Duration
        public var maximumBackoff: Duration

        public init(interval: Duration = .seconds(300), jitter: Double = 0.1, initialBackoff: Duration = .seconds(5), maximumBackoff: Duration = .seconds(300)) {
            self.interval = interval
            self.jitter = jitter
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
        }

        /// The wait before the next scan, after `failures` scans in a row that found the cluster unreachable.
        public func delay(afterUnreachable failures: Int, random: Double) -> Duration {
            if failures > 0 { return backoff(after: failures) }
            let factor = 1 + jitter * (2 * random - 1)
            let milliseconds = interval.inSeconds * 1000 * factor
            return .milliseconds(Int64(milliseconds.rounded()))
        }

        /// The wait before trying again what failed `failures` (at least 1) times in a row: the
        /// first delay (at most the interval), doubled per failure, up to the maximum.
        public func backoff(after failures: Int) -> Duration {
            let exponent = min(max(failures, 1) - 1, 30)
            return min(min(initialBackoff, interval) * (1 << exponent), maximumBackoff)
        }
    }

    public let source: any ScanSource
    public let timing: Timing
    public let state: MeterState
    public let sinks: [any ScanSink]
    public let logger: Logger

    public init(
        source: any ScanSource, timing: Timing, state: MeterState,
        sinks: [any ScanSink] = [], logger: Logger = Logger(label: "rbd-meter.scheduler")
    ) {
        self.source = source
        self.timing = timing
        self.state = state
        self.sinks = sinks
        self.logger = logger
    }

    public func run() async throws {
        var unreachable = 0
        var backoff = PoolBackoff()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            state.recordScanStarted()
            let attempt = await cancelWhenGracefulShutdown { [backoff] in await self.source.scan(backoff: backoff) }
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
            await publish(attempt)
            if case .report(let report) = attempt {
                backoff.record(report, timing: timing, now: .now)
            }
            unreachable = attempt.clusterUnreachable ? unreachable + 1 : 0
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

    /// Replaces the snapshot and tells the sinks; a scan that never reached the cluster only
    /// updates the exporter's own figures.
    func publish(_ attempt: ScanAttempt) async {
        switch attempt {
        case .unreachable(let failure):
            state.recordUnreachable(failure)
        case .report(let report):
            state.apply(report)
            for sink in sinks {
                await sink.scanFinished(report)
            }
        }
    }
}
