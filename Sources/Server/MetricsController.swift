import Exposition
import Foundation
import HTTPTypes
import Hummingbird
import Metering

/// `GET /metrics`: the latest snapshot in the Prometheus text format, or OpenMetrics when the
/// scraper's `Accept` header prefers it, gzip-compressed when it accepts gzip. Never calls Ceph.
struct MetricsController {
    let state: MeterState
    let settings: ExpositionSettings
    /// Collectors beyond the snapshot (quotas, forecasts), asked on every render.
    let extraCollectors: @Sendable () -> [any MetricsCollector]
    let cache = MetricsCache()

    func addRoutes(to router: Router<MeterRequestContext>) {
        router.get("metrics") { request, _ in try await self.metrics(request) }
    }

    func metrics(_ request: Request) async throws -> Response {
        let format = ExpositionFormat.negotiate(accept: request.headers[.accept])
        let gzip = Self.acceptsGzip(request.headers[.acceptEncoding])
        let state = self.state
        let settings = self.settings
        let extraCollectors = self.extraCollectors
        let body = try await cache.body(for: MetricsCache.Key(format: format, gzip: gzip), version: state.snapshot.version) {
            let snapshot = state.snapshot
            let collectors: [any MetricsCollector] = [SnapshotCollector(snapshot: snapshot, settings: settings)]
                + extraCollectors() + [ProcessCollector()]
            let capacity = 600 * snapshot.pools.values.reduce(0) { $0 + $1.images.count } + 16_384
            return MetricsWriter.render(collectors, format: format, capacity: capacity)
        }
        var headers: HTTPFields = [.contentType: format.contentType]
        if gzip { headers[.contentEncoding] = "gzip" }
        headers[.vary] = "Accept, Accept-Encoding"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// Whether an `Accept-Encoding` header allows gzip: named, and not refused with a weight of
    /// zero (`q=0`, `q=0.00`, ...; RFC 9110, 12.4.2). A weight that does not parse refuses too.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for coding in header.split(separator: ",") {
            let parts = coding.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.first?.lowercased() == "gzip" else { continue }
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2, pair[0].lowercased() == "q" else { continue }
                guard let weight = Double(pair[1]), weight > 0 else { return false }
            }
            return true
        }
        return false
    }
}
