import Foundation
import Hummingbird
import Metering

/// `GET /healthz` (the process answers) and `GET /readyz` (a scan brought fresh numbers recently).
struct HealthController {
    let state: MeterState
    /// How old the latest good scan may be before the exporter is not ready: three intervals.
    let readinessLimit: TimeInterval

    func addRoutes(to router: Router<MeterRequestContext>) {
        router.get("healthz") { _, _ in
            JSONBody.response(.ok, ["status": "ok"])
        }
        router.get("readyz") { _, _ in self.readiness(now: Date()) }
    }

    func readiness(now: Date) -> Response {
        let snapshot = state.snapshot
        guard let last = snapshot.lastDataAt else {
            return JSONBody.response(.serviceUnavailable, ["status": "not ready", "reason": "no scan has completed yet"])
        }
        let age = now.timeIntervalSince(last)
        if age > readinessLimit {
            return JSONBody.response(.serviceUnavailable, [
                "status": "not ready",
                "reason": "the latest good scan ended \(Int(age)) s ago, more than \(Int(readinessLimit)) s (three scan intervals)",
            ])
        }
        return JSONBody.response(.ok, ["status": "ready", "last_scan_age_seconds": String(Int(age))])
    }
}
