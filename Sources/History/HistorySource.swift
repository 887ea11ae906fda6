import Foundation
import Metering

/// Where reports read the history from: one SQLite file, several merged, or a Prometheus-compatible
/// store. Every report is built on this interface alone, so each source means the same numbers:
/// observed time only, gaps left as gaps.
public protocol HistorySource: Sendable {
    /// What the source is, for messages: a file's path, a URL.
    var sourceName: String { get }

    /// Everything the capacity report and the forecasts read of `from...until`, image by image.
    func extract(from: Date, until: Date) async throws -> HistoryExtract

    /// Spans of `from..<until` each image was observed with constant numbers, for chargeback.
    func coverage(from: Date, until: Date) async throws -> HistoryCoverage

    /// An image's history since `since`, every incarnation of the name (each image id) included.
    func history(of location: ImageLocation, since: Date, until: Date) async throws -> [HistoryPoint]
}
