import Logging
import Metering

/// Writes every finished scan to the history. A database that cannot be written (read-only
/// directory, full disk) costs the history, not the metrics: the error is logged and counted, and
/// `/metrics` keeps serving from memory.
public struct HistorySink: ScanSink {
    public let store: HistoryStore
    public let state: MeterState
    public let logger: Logger

    public init(store: HistoryStore, state: MeterState, logger: Logger) {
        self.store = store
        self.state = state
        self.logger = logger
    }

    public func scanFinished(_ report: ScanReport) async {
        let clock = ContinuousClock()
        let started = clock.now
        do {
            try await store.record(report)
            state.recordHistoryWrite(seconds: (clock.now - started).inSeconds)
        } catch {
            state.recordHistoryError()
            logger.error("cannot write the scan to the history database", metadata: ["path": "\(store.path)", "error": "\(error)"])
        }
    }
}
