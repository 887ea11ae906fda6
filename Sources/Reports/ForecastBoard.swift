import Foundation
import History
import Logging
import Metering
import Synchronization

/// The latest forecasts, recomputed from the history after a scan when they are older than the
/// refresh interval: a week's fit does not change in five minutes, and reading it costs a pass over
/// the window's history.
public final class ForecastBoard: ScanSink {
    private let forecasts = Mutex<(computedAt: Date?, values: [Forecast])>((nil, []))
    let engine: ForecastEngine
    let history: HistoryStore
    let state: MeterState
    let rules: [QuotaRule]
    let refreshSeconds: Double
    let logger: Logger

    public init(engine: ForecastEngine, history: HistoryStore, state: MeterState, rules: [QuotaRule], refreshSeconds: Double, logger: Logger) {
        self.engine = engine
        self.history = history
        self.state = state
        self.rules = rules
        self.refreshSeconds = refreshSeconds
        self.logger = logger
    }

    /// How often forecasts are refitted unless configured otherwise.
    public static let defaultRefreshSeconds: Double = 3600

    /// The forecasts as last computed.
    public var current: [Forecast] { forecasts.withLock { $0.values } }

    public func scanFinished(_ report: ScanReport) async {
        let last = forecasts.withLock { $0.computedAt }
        if let last, Date().timeIntervalSince(last) < refreshSeconds { return }
        let snapshot = state.snapshot
        do {
            let values = try await engine.forecasts(
                history: history, pools: snapshot.pools.keys.sorted().compactMap { snapshot.pools[$0] }, rules: rules)
            forecasts.withLock { $0 = (Date(), values) }
            state.invalidate()
        } catch {
            logger.error("cannot compute forecasts from the history", metadata: ["error": "\(error)"])
        }
    }
}
