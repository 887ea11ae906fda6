@testable import PrometheusHistory
import Testing

@Suite("Query planning")
struct QueryPlanTests {
    @Test("a 30-day report of 10,000 images stays within Prometheus' limits per query and reads every point once")
    func thirtyDaysOfTenThousandImages() {
        let from = 1_795_046_400.0
        let until = from + 30 * 86400
        let plan = QueryPlan(from: from, until: until, series: 10_000)
        #expect(plan.step == 1296, "30 days in at most 2,000 points")
        for chunk in plan.chunks {
            let points = Int(((chunk.upperBound - chunk.lowerBound) / plan.step).rounded()) + 1
            #expect(points <= 11_000, "Prometheus' points per series")
            #expect(points * 10_000 <= 50_000_000 / 10, "a tenth of Prometheus' default query.max-samples")
        }
        #expect(plan.chunks.first?.lowerBound == from)
        for (earlier, later) in zip(plan.chunks, plan.chunks.dropFirst()) {
            #expect(later.lowerBound == earlier.upperBound + plan.step, "no point read twice or skipped")
        }
        #expect(plan.chunks.last!.upperBound <= until && plan.chunks.last!.upperBound > until - plan.step)
    }

    @Test("a short period is read every second, in one query")
    func shortPeriod() {
        let plan = QueryPlan(from: 0, until: 600, series: 8)
        #expect(plan.step == 1)
        #expect(plan.chunks == [0...600])
    }
}
