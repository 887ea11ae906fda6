import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Runs PromQL queries against one endpoint over HTTP, turning every way a query can go wrong into a
/// ``PrometheusError``.
struct PrometheusClient {
    let endpoint: PrometheusEndpoint
    let http: HTTPClient
    let authorization: String?

    /// The largest answer read: a chunk is planned to hold at most ``QueryPlan/defaultSamplesPerQuery``
    /// samples, some 30 bytes of JSON each.
    static let maximumBodyBytes = 512 << 20

    /// Runs `body` with a client for `endpoint`, shut down afterwards whatever happens.
    static func with<T: Sendable>(_ endpoint: PrometheusEndpoint, _ body: (PrometheusClient) async throws -> T) async throws -> T {
        var configuration = HTTPClient.Configuration()
        if let caFile = endpoint.caFile {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(caFile)
            configuration.tlsConfiguration = tls
        }
        let authorization = try Self.authorization(endpoint.authorization)
        return try await HTTPClient.withHTTPClient(configuration: configuration) { http in
            try await body(PrometheusClient(endpoint: endpoint, http: http, authorization: authorization))
        }
    }

    /// The `Authorization` header's value, its secret read from its file.
    static func authorization(_ setting: PrometheusEndpoint.Authorization) throws(PrometheusError) -> String? {
        func secret(_ path: String) throws(PrometheusError) -> String {
            do {
                return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw .invalidSetting("cannot read the Prometheus credential file \(path): \((error as NSError).localizedDescription)")
            }
        }
        switch setting {
        case .none:
            return nil
        case .bearerTokenFile(let path):
            return "Bearer \(try secret(path))"
        case .basic(let username, let passwordFile):
            return "Basic \(Data("\(username):\(try secret(passwordFile))".utf8).base64EncodedString())"
        }
    }

    /// `query_range` from `start` to `end` (both included) every `step` seconds.
    func range(_ query: String, start: Double, end: Double, step: Double) async throws -> [PrometheusResponse.Series] {
        try await post("/api/v1/query_range", [
            ("query", query), ("start", Self.format(start)), ("end", Self.format(end)), ("step", Self.format(step)),
        ], expecting: "matrix")
    }

    /// An instant query at `time`.
    func instant(_ query: String, at time: Double) async throws -> [PrometheusResponse.Series] {
        try await post("/api/v1/query", [("query", query), ("time", Self.format(time))], expecting: "vector")
    }

    static func format(_ seconds: Double) -> String { String(format: "%.3f", seconds) }

    /// Sends the parameters as a form (POST, so that long selectors meet no URL limit) and returns the
    /// result, which must be of `resultType`.
    private func post(_ path: String, _ parameters: [(String, String)], expecting resultType: String) async throws -> [PrometheusResponse.Series] {
        let url = endpoint.url + path
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let form = parameters.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: form))

        let body: ByteBuffer
        let code: Int
        do {
            let response = try await http.execute(request, timeout: .milliseconds(Int64(endpoint.timeoutSeconds * 1000)))
            code = Int(response.status.code)
            body = try await response.body.collect(upTo: Self.maximumBodyBytes)
        } catch {
            throw PrometheusError.unreachable(url: url, reason: "\(error)")
        }
        let decoded = try? JSONDecoder().decode(PrometheusResponse.self, from: Data(body.readableBytesView))
        guard code == 200 else {
            let detail = decoded.flatMap { answer in answer.error.map { "\(answer.errorType ?? "error"): \($0)" } }
                ?? String(String(buffer: body).prefix(300))
            throw PrometheusError.status(url: url, code: code, detail: detail)
        }
        guard let decoded else {
            throw PrometheusError.malformed(url: url, reason: "not JSON of the query API: \(String(String(buffer: body).prefix(300)))")
        }
        guard decoded.status == "success" else {
            throw PrometheusError.queryFailed(url: url, errorType: decoded.errorType ?? "unknown", message: decoded.error ?? "no message")
        }
        if let warnings = decoded.warnings, !warnings.isEmpty {
            throw PrometheusError.partialData(url: url, warnings: warnings)
        }
        guard let data = decoded.data, data.resultType == resultType else {
            throw PrometheusError.malformed(url: url, reason: "expected a \(resultType), got \(decoded.data?.resultType ?? "no data")")
        }
        return data.result
    }
}
