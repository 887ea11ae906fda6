import History

/// Why the history could not be read from Prometheus. Each case ends the report: a report from data
/// the server says is partial would be wrong without saying so.
public enum PrometheusError: Error, CustomStringConvertible, Equatable {
    /// A setting (URL, selector, a secret's file) cannot be used.
    case invalidSetting(String)
    /// No answer: the server is down, the name does not resolve, TLS failed, or the query timed out.
    case unreachable(url: String, reason: String)
    /// An HTTP status other than 200, with what the API said (`errorType`, `error`) when it said it in JSON.
    case status(url: String, code: Int, detail: String)
    /// `"status": "error"` in an otherwise well-formed answer.
    case queryFailed(url: String, errorType: String, message: String)
    /// The answer carried `warnings`: Thanos, Mimir and Cortex say so when a store or an ingester did
    /// not answer and the data is partial.
    case partialData(url: String, warnings: [String])
    /// Not the API's JSON, or not the kind of result asked for, or series rbd-meter always exports
    /// together found apart.
    case malformed(url: String, reason: String)
    /// Two exporters reported the same image at the same time: their shards overlap, and any sum
    /// would count the image twice.
    case overlap(url: String, image: String, exporters: [String], at: Double)

    public var description: String {
        switch self {
        case .invalidSetting(let message):
            message
        case .unreachable(let url, let reason):
            "cannot reach Prometheus at \(url): \(reason)"
        case .status(let url, let code, let detail):
            "Prometheus at \(url) answered HTTP \(code): \(detail)"
        case .queryFailed(let url, let errorType, let message):
            "Prometheus at \(url) could not run the query (\(errorType)): \(message)"
        case .partialData(let url, let warnings):
            "Prometheus at \(url) answered with partial data, no report made from it: \(warnings.joined(separator: "; "))"
        case .malformed(let url, let reason):
            "Prometheus at \(url) gave an answer that cannot be read as rbd-meter's history: \(reason)"
        case .overlap(let url, let image, let exporters, let time):
            "Prometheus at \(url) has image \(image) from two exporters at once ({\(exporters[0])} and {\(exporters[1])}, "
                + "at \(TimeSpecification.format(time))): their shards overlap, and a report would count the image twice"
        }
    }
}
