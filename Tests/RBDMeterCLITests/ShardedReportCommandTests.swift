import DevCluster
import Foundation
import History
import Metering
import Testing

/// `rbd-meter report` and `history` over several shards' databases, as an operator runs them.
@Suite("rbd-meter report over shards")
struct ShardedReportCommandTests {
    /// Two databases of an hour of scans: shard 0 holds `rbd/a`, shard 1 `rbd/b`.
    static func databases(in folder: URL) async throws -> [String] {
        let now = Date().timeIntervalSince1970
        var paths: [String] = []
        for (shard, name) in ["a", "b"].enumerated() {
            let path = folder.appendingPathComponent("shard-\(shard).sqlite").path
            let store = try HistoryStore(path: path)
            for step in 0...6 {
                let time = Date(timeIntervalSince1970: now - 3600 + Double(step) * 600)
                let image = ImageUsage(pool: "rbd", namespace: "", image: name, id: "id-\(name)", provisionedBytes: 10 << 30,
                                       usedBytes: UInt64(shard + 1) << 30, totalUsedBytes: UInt64(shard + 1) << 30, snapshots: 0)
                try await store.record(ScanReport(startedAt: time, finishedAt: time, mode: .exact, pools: [PoolScan(pool: "rbd", images: [image])]))
            }
            try store.close()
            paths.append(path)
        }
        return paths
    }

    @Test("--database given once per shard merges them; one image in two databases is an error naming both")
    func mergesAndRefusesOverlap() async throws {
        try await TemporaryFolder.with("rbd-meter-shards") { folder in
            let paths = try await Self.databases(in: folder)
            let merged = try await Shell.execute(DaemonProcess.executable, ["report", "--database", paths[0], "--database", paths[1], "--since", "2h", "--by", "image", "--format", "csv"])
            #expect(merged.status == 0, "\(merged.standardError)")
            let rows = merged.standardOutput.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",").prefix(2).joined(separator: ",") }
            #expect(Set(rows) == ["rbd/a,1", "rbd/b,1"], "\(merged.standardOutput)")

            let usage = try await Shell.execute(DaemonProcess.executable, ["report", "--usage", "--database", paths[0], "--database", paths[1], "--since", "2h", "--format", "csv"])
            #expect(usage.status == 0 && usage.standardOutput.hasPrefix("pool,from,until,used_gib_hours"), "\(usage.standardError)")

            let copy = folder.appendingPathComponent("copy.sqlite").path
            try FileManager.default.copyItem(atPath: paths[0], toPath: copy)
            let overlap = try await Shell.execute(DaemonProcess.executable, ["report", "--database", paths[0], "--database", copy, "--since", "2h"])
            #expect(overlap.status == 1)
            #expect(overlap.standardError.contains("image rbd/a (id id-a) is in the history of both \(paths[0]) and \(copy)"), "\(overlap.standardError)")

            let history = try await Shell.execute(DaemonProcess.executable, ["history", "--database", paths[0], "--database", paths[1], "--pool", "rbd", "--image", "b", "--since", "2h", "--format", "csv"])
            #expect(history.status == 0 && history.standardOutput.contains(",raw,"), "\(history.standardError)")
        }
    }

    @Test("a database and a Prometheus are two sources: the command says to give one")
    func oneSourceAtATime() async throws {
        let both = try await Shell.execute(DaemonProcess.executable, ["report", "--database", "x.sqlite", "--prometheus", "http://127.0.0.1:9"])
        #expect(both.status == 64)
        #expect(both.standardError.contains("--prometheus and --database are two sources of the history: give one"), "\(both.standardError)")
        let badSelector = try await Shell.execute(DaemonProcess.executable, ["report", "--prometheus", "http://127.0.0.1:9", "--match", "cluster=prod"])
        #expect(badSelector.status == 2)
        #expect(badSelector.standardError.contains("the label selector must be like {cluster=\"prod\"}"), "\(badSelector.standardError)")
    }
}
