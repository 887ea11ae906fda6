/// Something that contributes metric families to a scrape. Each collector owns its families and
/// writes all samples of one family together.
public protocol MetricsCollector: Sendable {
    func collect(into writer: inout MetricsWriter)
}

extension MetricsWriter {
    /// Runs the collectors in order and ends the exposition.
    public static func render(_ collectors: [any MetricsCollector], format: ExpositionFormat, capacity: Int = 0) -> String {
        var writer = MetricsWriter(format: format, reservingCapacity: capacity)
        for collector in collectors {
            collector.collect(into: &writer)
        }
        writer.finish()
        return writer.text
    }
}
