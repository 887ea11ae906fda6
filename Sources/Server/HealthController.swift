import Foundation
import Hummingbird
import Metering

/// `GET /healthz` (the process answers) and `GET /readyz` (a scan brought fresh numbers recently).
struct HealthController {
    let state: MeterState
    let settings: ServerSettings

    func addRoutes(to router: Router<MeterRequestContext>) {
        router.get("healthz") { _, _ in
            try JSONBody.response(.ok, ["status": "ok"])
        }
        router.get("readyz") { _, _ in try self.readiness(now: Date()) }
    }

    /// The body of `/readyz`.
    struct Readiness: Encodable {
        var status: String
        var reason: String?
        var lastScanAgeSeconds: Int?
    }

    func readiness(now: Date) throws -> Response {
        guard let last = state.snapshot.lastDataAt else {
            return try JSONBody.response(.serviceUnavailable, Readiness(status: "not ready", reason: "no scan has completed yet"))
        }
        let age = now.timeIntervalSince(last)
        let limit = settings.readinessLimitSeconds
        if age > limit {
            let intervals = settings.readinessIntervals.formatted(.number.grouping(.never))
            return try JSONBody.response(.serviceUnavailable, Readiness(
                status: "not ready",
                reason: "the latest good scan ended \(Int(age)) s ago, more than \(Int(limit)) s (\(intervals) scan intervals)",
                lastScanAgeSeconds: Int(age)))
        }
        return try JSONBody.response(.ok, Readiness(status: "ready", lastScanAgeSeconds: Int(age)))
    }
}
