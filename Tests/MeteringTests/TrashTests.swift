import DevCluster
import Foundation
import Metering
import RBD
import Testing

/// Images in the RBD trash, built and moved with the rbd CLI: they keep their bytes in the trash
/// numbers and leave the live ones, and come back with `rbd trash restore`.
@Suite("Trash")
struct TrashTests {
    /// One entry of `rbd trash ls --long --format json`.
    struct CLIEntry: Decodable {
        var id: String
        var name: String
        var source: String
        var status: String?
    }

    func trashList(_ dev: DevCluster, _ location: String) async throws -> [CLIEntry] {
        try JSONDecoder().decode([CLIEntry].self, from: Data(try await dev.rbd("trash", "ls", "--all", "--long", "--format", "json", location).utf8))
    }

    /// The rbd CLI prints dates with `ctime` in the local time zone, e.g. `Wed Dec 31 23:59:59 2098`.
    func parseCTime(_ text: String) throws -> Double {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "EEE MMM d HH:mm:ss yyyy"
        let squeezed = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        return try #require(formatter.date(from: squeezed), "cannot parse '\(text)'").timeIntervalSince1970
    }

    @Test("a trashed image keeps its bytes in the trash numbers, leaves the live ones, and comes back on restore", arguments: UsageMode.allCases)
    func trashedImageMovesFromLiveToTrashAndBack(mode: UsageMode) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("trash") { pool in
            // One image with an object map and a snapshot, one layering-only image in a namespace
            // (measured by diff), and one that stays live.
            try await dev.rbd("create", "--size", "1G", "\(pool)/doomed")
            try await dev.write("\(pool)/doomed", ioSize: "4K", total: "1M")
            try await dev.rbd("snap", "create", "\(pool)/doomed@before")
            try await dev.write("\(pool)/doomed", ioSize: "64K", total: "4M", pattern: "seq")
            try await dev.rbd("namespace", "create", "\(pool)/tenant")
            try await dev.rbd("create", "--size", "256M", "--image-feature", "layering", "\(pool)/tenant/kernel")
            try await dev.write("\(pool)/tenant/kernel", ioSize: "4K", total: "512K")
            try await dev.rbd("create", "--size", "1G", "\(pool)/kept")
            try await dev.write("\(pool)/kept", ioSize: "4K", total: "256K")

            let exact = mode == .exact
            let doomedDU = try #require(try await dev.du("\(pool)/doomed", exact: exact, mergeSnapshots: true).first)
            let doomedUsed = try await dev.diffBytes("\(pool)/doomed", wholeObject: !exact)
            let kernelDU = try #require(try await dev.du("\(pool)/tenant/kernel", exact: exact, mergeSnapshots: true).first)
            let keptDU = try #require(try await dev.du("\(pool)/kept", exact: exact, mergeSnapshots: true).first)

            let movedAt = Date().timeIntervalSince1970
            try await dev.rbd("trash", "mv", "--expires-at", "2099-01-01 00:00:00", "\(pool)/doomed")
            try await dev.rbd("trash", "mv", "\(pool)/tenant/kernel")

            try await dev.withConnection { cluster in
                let scanner = Metering.Scanner(cluster: cluster, options: ScanOptions(pools: [pool], mode: mode, fullRescanSeconds: 0))
                let scan = await scanner.scanPool(pool)
                #expect(scan.failure == nil)
                #expect(scan.trashFailures.isEmpty)
                #expect(scan.images.map(\.image) == ["kept"], "trashed images are not live")
                #expect(scan.images.first?.totalUsedBytes == keptDU.used_size)
                #expect(scan.trash.map(\.usage.image) == ["doomed", "kernel"])

                let doomed = try #require(scan.trash.first { $0.usage.image == "doomed" })
                #expect(doomed.usage.id == doomedDU.id)
                #expect(doomed.usage.namespace == "")
                #expect(doomed.usage.provisionedBytes == doomedDU.provisioned_size)
                #expect(doomed.usage.totalUsedBytes == doomedDU.used_size, "total used of the trashed image in \(mode) mode")
                #expect(doomed.usage.usedBytes == doomedUsed, "used of the trashed image in \(mode) mode")
                #expect(doomed.usage.snapshots == 1)
                #expect(doomed.source == .user)
                #expect(abs(doomed.deletedAt - movedAt) < 5)
                let cliDoomed = try #require(try await trashList(dev, pool).first { $0.id == doomed.usage.id })
                let protectedUntil = try #require(cliDoomed.status?.split(separator: "protected until ").last.map(String.init))
                #expect(doomed.defermentEndsAt == (try parseCTime(protectedUntil)))

                let kernel = try #require(scan.trash.first { $0.usage.image == "kernel" })
                #expect(kernel.usage.namespace == "tenant")
                #expect(kernel.usage.id == kernelDU.id)
                #expect(kernel.usage.totalUsedBytes == kernelDU.used_size, "a trashed image without object map is measured by diff")
                #expect(kernel.usage.method == .diff)
                #expect(kernel.defermentEndsAt == kernel.deletedAt, "no delay was asked for")
                #expect(try await trashList(dev, "\(pool)/tenant").map(\.id) == [kernel.usage.id])

                // The snapshot keeps the live and trashed images apart.
                let state = MeterState()
                state.apply(ScanReport(startedAt: Date(), finishedAt: Date(), mode: mode, pools: [scan]))
                let poolState = try #require(state.snapshot.pools[pool])
                #expect(poolState.images.map(\.image) == ["kept"])
                #expect(poolState.trash.map(\.usage.image) == ["doomed", "kernel"])

                try await dev.rbd("trash", "restore", "\(pool)/\(doomed.usage.id)")
                let restored = await scanner.scanPool(pool)
                #expect(restored.images.map(\.image) == ["doomed", "kept"])
                #expect(restored.images.first { $0.image == "doomed" }?.totalUsedBytes == doomedDU.used_size)
                #expect(restored.trash.map(\.usage.image) == ["kernel"])
            }
        }
    }

    @Test("past the pool's time budget, trashed images are left unmeasured as budget_exceeded and the pool keeps its live numbers")
    func trashPastTheBudgetSparesThePool() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("trash-budget") { pool in
            try await dev.rbd("create", "--size", "64M", "\(pool)/live")
            try await dev.rbd("create", "--size", "64M", "\(pool)/gone")
            try await dev.rbd("trash", "mv", "\(pool)/gone")
            try await dev.withConnection { cluster in
                var scan = PoolScan(pool: pool)
                try await TrashScanner(cluster: cluster, options: ScanOptions(pools: [pool])).scan(into: &scan, deadline: ContinuousClock.now)
                #expect(scan.failure == nil)
                #expect(scan.trash.isEmpty)
                #expect(scan.trashFailures.map(\.image) == ["gone"])
                #expect(scan.trashFailures.map(\.failure.reason) == [.budgetExceeded])

                var unhurried = PoolScan(pool: pool)
                try await TrashScanner(cluster: cluster, options: ScanOptions(pools: [pool])).scan(into: &unhurried, deadline: ContinuousClock.now + .seconds(600))
                #expect(unhurried.trash.map(\.usage.image) == ["gone"])
                #expect(unhurried.trashFailures.isEmpty)
            }
        }
    }

    @Test("an empty or never used trash lists nothing, in the default namespace and in others")
    func emptyTrashListsNothing() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("trash-empty") { pool in
            try await dev.rbd("namespace", "create", "\(pool)/tenant")
            try await dev.withConnection { cluster in
                let root = try await cluster.ioContext(pool: pool)
                #expect(try await root.trashImages().isEmpty)
                #expect(try await root.inNamespace("tenant").trashImages().isEmpty)
                let scan = await Metering.Scanner(cluster: cluster, options: ScanOptions(pools: [pool])).scanPool(pool)
                #expect(scan.failure == nil)
                #expect(scan.trash.isEmpty)
            }
        }
    }

    @Test("a failed pool keeps its previous trash; a trashed image that fails keeps its numbers and counts as an image scan error; a vanished one goes")
    func trashFollowsThePoolThroughFailures() {
        func trashed(_ name: String, used: UInt64) -> TrashUsage {
            TrashUsage(
                usage: ImageUsage(pool: "rbd", namespace: "", image: name, id: "id-\(name)", provisionedBytes: 100, usedBytes: used, totalUsedBytes: used, snapshots: 0),
                source: .user, deletedAt: 1, defermentEndsAt: 1)
        }
        let live = ImageUsage(pool: "rbd", namespace: "", image: "live", id: "id-live", provisionedBytes: 100, usedBytes: 5, totalUsedBytes: 5, snapshots: 0)
        var first = PoolScan(pool: "rbd", images: [live])
        first.trash = [trashed("old", used: 7)]
        let state = MeterState()
        state.apply(ScanReport(startedAt: Date(timeIntervalSince1970: 99), finishedAt: Date(timeIntervalSince1970: 100), mode: .exact, pools: [first]))
        #expect(state.snapshot.pools["rbd"]?.trash == [trashed("old", used: 7)])
        #expect(state.snapshot.pools["rbd"]?.images == [live], "trashed images stay out of the live images")

        let timeout = ScanFailure(reason: .timeout, message: "list trash of rbd: ETIMEDOUT")
        state.apply(ScanReport(startedAt: Date(timeIntervalSince1970: 199), finishedAt: Date(timeIntervalSince1970: 200), mode: .exact, pools: [PoolScan(pool: "rbd", failure: timeout)]))
        #expect(state.snapshot.pools["rbd"]?.stale == true)
        #expect(state.snapshot.pools["rbd"]?.trash == [trashed("old", used: 7)])

        // "old" cannot be measured this time: it keeps its numbers; "new" is measured.
        var third = PoolScan(pool: "rbd", images: [live])
        third.trash = [trashed("new", used: 3)]
        third.trashFailures = [ImageFailure(pool: "rbd", namespace: "", image: "old", failure: ScanFailure(reason: .budgetExceeded, message: "budget"))]
        state.apply(ScanReport(startedAt: Date(timeIntervalSince1970: 299), finishedAt: Date(timeIntervalSince1970: 300), mode: .exact, pools: [third]))
        #expect(state.snapshot.pools["rbd"]?.trash == [trashed("new", used: 3), trashed("old", used: 7)])
        #expect(state.snapshot.imageScanErrors[.init(pool: "rbd", reason: .budgetExceeded)] == 1)

        // "old" vanished (restored or removed): it goes; a failing "live" name in the trash never
        // brings back the live image's numbers twice.
        var fourth = PoolScan(pool: "rbd", images: [live])
        fourth.trashFailures = [
            ImageFailure(pool: "rbd", namespace: "", image: "old", failure: ScanFailure(reason: .notFound, message: "ENOENT")),
            ImageFailure(pool: "rbd", namespace: "", image: "live", failure: ScanFailure(reason: .error, message: "EIO")),
        ]
        state.apply(ScanReport(startedAt: Date(timeIntervalSince1970: 399), finishedAt: Date(timeIntervalSince1970: 400), mode: .exact, pools: [fourth]))
        #expect(state.snapshot.pools["rbd"]?.trash == [])
        #expect(state.snapshot.imageScanErrors[.init(pool: "rbd", reason: .error)] == 1)
        #expect(state.snapshot.pools["rbd"]?.images == [live], "a trashed image's failure never brings back a live image's old numbers")
    }
}
