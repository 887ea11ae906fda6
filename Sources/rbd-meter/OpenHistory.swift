import History

/// The opened history: one database as it is, several merged, or Prometheus.
struct OpenHistory {
    let source: any HistorySource
    let stores: [HistoryStore]

    func close() {
        for store in stores { try? store.close() }
    }
}
