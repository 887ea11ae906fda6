import Foundation
@testable import Metering
import RBD
import Testing

/// The settle rule of incremental scans judged on the cluster's clock, not this host's.
@Suite("Reuse on the cluster's clock")
struct ReuseClockTests {
    /// An image measured at this host's `measuredAt`, last stamped by librbd at `modified` (OSD time).
    private func usage(measuredAt: Date, modified: Double) -> ImageUsage {
        ImageUsage(
            pool: "p", namespace: "", image: "a", id: "1", provisionedBytes: 1 << 30, usedBytes: 4096, totalUsedBytes: 4096,
            snapshots: 0, modifyTimestamp: modified, mode: .exact, measuredAt: measuredAt, watchers: 0, headerVersion: 7)
    }

    private func header(stamped: Double) -> ObjectProbe {
        ObjectProbe(version: 7, size: 0, modifiedNanoseconds: Int64(stamped * 1e9), watchers: 0)
    }

    @Test("with this host's clock ahead of the OSDs', numbers measured seconds after a write are not reused until the cluster's time has passed the settle time")
    func hostAheadOfTheCluster() {
        let now = Date()
        // The OSDs run 2,000 s behind this host; librbd's last timestamp is 10 s old on their clock.
        let modified = now.timeIntervalSince1970 - 2000 - 10
        let clock = ClusterClock()
        let meter = ImageMeter(mode: .exact, reuseSettleSeconds: 120, clock: clock)
        clock.observe(stamp: modified, seenAt: now)
        #expect(meter.reused(usage(measuredAt: now, modified: modified), id: "1", header: header(stamped: modified)) == nil,
                "on this host's clock the write looks 2,010 s old; on the cluster's it is 10 s old")
        // Measured again 300 s later (this host's and the cluster's clocks run at one rate): settled.
        let later = now.addingTimeInterval(300)
        #expect(meter.reused(usage(measuredAt: later, modified: modified), id: "1", header: header(stamped: modified)) != nil)
    }

    @Test("with this host's clock behind the OSDs', a fresh stamp on another object proves the cluster's time and the numbers are reused")
    func hostBehindTheCluster() {
        let now = Date()
        // The OSDs run 1,000 s ahead; the image was last stamped 130 s ago on their clock, and
        // another image's header was stamped just now (a watch registered).
        let modified = now.timeIntervalSince1970 + 1000 - 130
        let clock = ClusterClock()
        let meter = ImageMeter(mode: .exact, reuseSettleSeconds: 120, clock: clock)
        #expect(meter.reused(usage(measuredAt: now, modified: modified), id: "1", header: header(stamped: modified)) == nil,
                "no stamp seen yet: nothing is proven")
        clock.observe(stamp: modified, seenAt: now)
        clock.observe(stamp: now.timeIntervalSince1970 + 1000, seenAt: now)
        #expect(meter.reused(usage(measuredAt: now, modified: modified), id: "1", header: header(stamped: modified)) != nil)
    }

    @Test("the bound only grows: an old stamp seen later does not lower it")
    func boundOnlyGrows() throws {
        let now = Date()
        let clock = ClusterClock()
        #expect(clock.earliestClusterTime(at: now) == nil)
        clock.observe(stamp: now.timeIntervalSince1970 - 5, seenAt: now)
        clock.observe(stamp: now.timeIntervalSince1970 - 50_000, seenAt: now.addingTimeInterval(10))
        let bound = try #require(clock.earliestClusterTime(at: now))
        #expect(abs(bound - (now.timeIntervalSince1970 - 5)) < 0.001)
    }

    @Test("numbers older than full_rescan_seconds are measured again, whatever else says they still hold")
    func oldNumbersAreMeasuredAgain() {
        let meter = ImageMeter(mode: .exact, reuseSettleSeconds: 0, fullRescanSeconds: 3600)
        let probe = header(stamped: 1000)
        #expect(meter.reused(usage(measuredAt: Date().addingTimeInterval(-3599), modified: 1000), id: "1", header: probe) != nil)
        #expect(meter.reused(usage(measuredAt: Date().addingTimeInterval(-3601), modified: 1000), id: "1", header: probe) == nil)
        let never = ImageMeter(mode: .exact, reuseSettleSeconds: 0, fullRescanSeconds: 0)
        #expect(never.reused(usage(measuredAt: Date(), modified: 1000), id: "1", header: probe) == nil)
    }

    @Test("an image's changed time stays while its numbers stay, whatever else was measured again, and moves when they change")
    func changedTimeFollowsTheNumbers() {
        var previous = usage(measuredAt: Date(timeIntervalSince1970: 1000), modified: 1)
        previous.changedAt = Date(timeIntervalSince1970: 500)
        var same = usage(measuredAt: Date(timeIntervalSince1970: 2000), modified: 99)
        same.watchers = 1
        #expect(ImageMeter.changedAt(same, previous: previous) == Date(timeIntervalSince1970: 500))
        var grown = same
        grown.usedBytes += 4096
        #expect(ImageMeter.changedAt(grown, previous: previous) == Date(timeIntervalSince1970: 2000))
        #expect(ImageMeter.changedAt(same, previous: nil) == Date(timeIntervalSince1970: 2000), "first seen: from this measurement")
    }
}
