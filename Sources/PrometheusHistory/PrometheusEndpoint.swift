import Foundation

/// Where and how to query a store that speaks Prometheus' HTTP API: Prometheus itself, or Thanos,
/// Mimir, Cortex or VictoriaMetrics in front of long-term storage.
public struct PrometheusEndpoint: Sendable, Equatable {
    /// How requests prove who sends them. Secrets are read from files, as Prometheus' own
    /// `bearer_token_file` and `password_file` do, so that they stay out of config.json.
    public enum Authorization: Sendable, Equatable {
        case none
        case bearerTokenFile(String)
        case basic(username: String, passwordFile: String)
    }

    /// The API's base, e.g. `http://prometheus:9090` or `https://mimir.example/prometheus`.
    public var url: String
    /// Label matchers every series must carry, as `{cluster="prod"}`; empty for all series. They pick
    /// exporters (by `job`, `instance` or an external label such as `cluster`): `rbd_meter_up` must
    /// match them too.
    public var match: String
    public var authorization: Authorization
    /// A PEM file of the certificate authorities to trust for `https`, instead of the system's.
    public var caFile: String?
    /// How long one query may take before the report fails.
    public var timeoutSeconds: Double

    /// What a query may take by default: long-term stores answer a 30-day chunk in seconds, a minute
    /// means something is wrong.
    public static let defaultTimeoutSeconds: Double = 120

    /// `match` must be empty or `{...}`; `url` must be http or https.
    public init(
        url: String, match: String = "", authorization: Authorization = .none, caFile: String? = nil,
        timeoutSeconds: Double = defaultTimeoutSeconds
    ) throws(PrometheusError) {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
            throw .invalidSetting("the Prometheus URL must be http:// or https:// with a host, got \"\(url)\"")
        }
        let trimmed = match.trimmingCharacters(in: .whitespaces)
        guard trimmed.isEmpty || (trimmed.hasPrefix("{") && trimmed.hasSuffix("}")) else {
            throw .invalidSetting("the label selector must be like {cluster=\"prod\"}, got \"\(match)\"")
        }
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.match = trimmed
        self.authorization = authorization
        self.caFile = caFile
        self.timeoutSeconds = timeoutSeconds
    }

    /// A selector of `metric` with the endpoint's matchers and `labels` (exact values).
    func selector(_ metric: String, _ labels: [(String, String)] = []) -> String {
        var matchers = labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }
        let inner = match.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
        if !inner.isEmpty { matchers.insert(inner, at: 0) }
        return matchers.isEmpty ? metric : "\(metric){\(matchers.joined(separator: ","))}"
    }

    /// A label value inside double quotes, as PromQL reads it.
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// How the endpoint is named in messages: the URL and the selector, never a secret.
    public var description: String { match.isEmpty ? url : "\(url) \(match)" }
}
