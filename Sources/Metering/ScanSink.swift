/// Something that wants every finished scan: the history, the quota evaluation, ...
public protocol ScanSink: Sendable {
    /// Called after the snapshot was replaced; errors are the sink's to report, not the scheduler's.
    func scanFinished(_ report: ScanReport) async
}
