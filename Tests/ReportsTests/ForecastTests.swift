import Foundation
import History
import Metering
@testable import Reports
import Testing

@Suite("Forecasts")
struct ForecastTests {
    @Test("a straight line is fitted exactly")
    func fitsALine() throws {
        let points: [(x: Double, y: Double)] = (0..<10).map { step in
            let hour = Double(step)
            return (x: 1_795_000_000 + hour * 3600, y: 1000 + hour * 500)
        }
        let fit = try #require(LinearFit.fit(points))
        #expect(abs(fit.slope - 500.0 / 3600) < 1e-9)
        #expect(!fit.droppedOutlier)
    }

    @Test("one outlier scan does not bend the trend")
    func oneOutlierIsIgnored() throws {
        var points: [(x: Double, y: Double)] = (0..<24).map { step in (x: Double(step) * 3600, y: 1e9 + Double(step) * 1e6) }
        points[17].y += 5e10
        let fit = try #require(LinearFit.fit(points))
        #expect(fit.droppedOutlier)
        #expect(abs(fit.slope * 3600 - 1e6) < 1)
        let plain = try #require(LinearFit.fit(Array(points.prefix(3))))
        #expect(!plain.droppedOutlier, "with fewer than four points nothing counts as an outlier")
    }

    @Test("a growing image reaches its size when the line says, and a flat one never")
    func predictedFull() {
        let now = 1_795_000_000.0
        #expect(Forecast.reach(100, from: 40, perDay: 10, now: now) == now + 6 * 86400)
        #expect(Forecast.reach(100, from: 120, perDay: 10, now: now) == now, "already over")
        #expect(Forecast.reach(100, from: 40, perDay: 0, now: now) == nil)
        #expect(Forecast.reach(100, from: 40, perDay: -5, now: now) == nil)
    }

    @Test("images, namespaces and pools get forecasts against their quotas and sizes")
    func engineAddsUp() throws {
        let now = 1_795_000_000.0
        let day = 86400.0
        func image(_ name: String, used: UInt64, size: UInt64) -> ImageUsage {
            ImageUsage(pool: "rbd", namespace: "ns", image: name, id: name, provisionedBytes: size, usedBytes: used, totalUsedBytes: used, snapshots: 0)
        }
        let pools = [PoolState(pool: "rbd", images: [image("grow", used: 70 << 30, size: 100 << 30), image("flat", used: 10 << 30, size: 100 << 30)], namespaces: ["ns"])]
        var points: [Int64: [SeriesPoint]] = [:]
        for step in 0..<7 {
            let time = now - Double(7 - step) * day
            points[1, default: []].append(SeriesPoint(time: time, provisionedBytes: Double(100 << 30), usedBytes: Double(Int64(70 - 7 + step) << 30), totalUsedBytes: Double(Int64(70 - 7 + step) << 30)))
            points[2, default: []].append(SeriesPoint(time: time, provisionedBytes: Double(100 << 30), usedBytes: Double(10 << 30), totalUsedBytes: Double(10 << 30)))
        }
        let extract = HistoryExtract(
            images: [1: ImageRecord(id: 1, pool: "rbd", namespace: "ns", name: "grow", imageID: "grow"), 2: ImageRecord(id: 2, pool: "rbd", namespace: "ns", name: "flat", imageID: "flat")],
            points: points, scanTimes: [])
        let rules = [QuotaRule(name: "ns", scope: .namespace, limitBytes: 100 << 30)]
        let forecasts = ForecastEngine().forecasts(extract: extract, pools: pools, rules: rules, now: now)
        let grow = try #require(forecasts.first { $0.subjectName == "rbd/ns/grow" })
        #expect(abs(grow.growthPerDay - Double(1 << 30)) < 1e6)
        let full = try #require(grow.fullAt[.provisioned])
        #expect(abs(full - (now + 30 * day)) < 3600, "30 GiB left at 1 GiB a day")
        #expect(forecasts.first { $0.subjectName == "rbd/ns/flat" }?.fullAt[.provisioned] == nil)
        let namespace = try #require(forecasts.first { $0.subjectName == "rbd/ns" })
        #expect(abs(namespace.growthPerDay - Double(1 << 30)) < 1e6)
        let quota = try #require(namespace.fullAt[.quota])
        #expect(abs(quota - (now + 20 * day)) < 3600, "80 GiB of 100 GiB used, 1 GiB a day")
        #expect(forecasts.contains { $0.subjectName == "rbd" })
    }
}
