import Foundation

/// The two text formats Prometheus scrapes.
public enum ExpositionFormat: Sendable, Hashable {
    /// The classic text format, version 0.0.4.
    case prometheus
    /// OpenMetrics 1.0.0: counters are declared without `_total`, and the text ends in `# EOF`.
    case openMetrics

    /// The `Content-Type` of a response in this format.
    public var contentType: String {
        switch self {
        case .prometheus: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// Picks the format a scraper's `Accept` header prefers; the classic format when it names neither.
    ///
    /// Prometheus asks for `application/openmetrics-text;version=1.0.0,...,text/plain;version=0.0.4;q=0.5,*/*;q=0.1`.
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept else { return .prometheus }
        var best: (format: ExpositionFormat, quality: Double)?
        for range in accept.split(separator: ",") {
            let parameters = range.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let type = parameters.first?.lowercased() else { continue }
            var quality = 1.0
            var version: String?
            for parameter in parameters.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else { continue }
                if pair[0] == "q" { quality = Double(pair[1]) ?? 0 }
                if pair[0] == "version" { version = pair[1] }
            }
            let format: ExpositionFormat?
            switch type {
            case "application/openmetrics-text" where version == nil || version == "1.0.0": format = .openMetrics
            case "text/plain", "*/*", "text/*": format = .prometheus
            default: format = nil
            }
            guard let format, quality > 0 else { continue }
            if best == nil || quality > best!.quality {
                best = (format, quality)
            }
        }
        return best?.format ?? .prometheus
    }
}
