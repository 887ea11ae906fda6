import DevCluster
import Foundation
import History
import Metering
import Testing

/// `rbd-meter quota check` and `rbd-meter report` as an operator runs them.
@Suite("rbd-meter quota and report")
struct ReportCommandTests {
    static func folder() throws -> URL {
        try TemporaryFolder.make("rbd-meter-report")
    }

    @Test("quota check flags a fixture image over its quota and exits 1; under the limit it exits 0")
    func quotaCheckFlagsImage() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("quota") { pool in
            try await dev.rbd("create", "--size", "1G", "\(pool)/big")
            try await dev.write("\(pool)/big", ioSize: "4M", total: "64M", pattern: "seq")
            try await dev.rbd("create", "--size", "1G", "\(pool)/small")
            let folder = try Self.folder()
            func config(limit: String) throws -> String {
                let path = folder.appendingPathComponent("config-\(limit).json").path
                try """
                    {"pools": {"names": ["\(pool)"]}, "scan": {"mode": "object"},
                     "quotas": [{"name": "volumes", "scope": "image", "pool": "\(pool)", "limit": "\(limit)"}]}
                    """.write(toFile: path, atomically: true, encoding: .utf8)
                return path
            }
            let over = try await Shell.execute(DaemonProcess.executable, ["quota", "check", "--config", try config(limit: "60MiB")], environment: ["CEPH_CONF": dev.configFile])
            #expect(over.status == 1, "\(over.standardError)")
            #expect(over.standardOutput.contains("critical  volumes  image  \(pool)/big"), "\(over.standardOutput)")
            #expect(!over.standardOutput.contains("\(pool)/small"))
            let under = try await Shell.execute(DaemonProcess.executable, ["quota", "check", "--config", try config(limit: "1GiB")], environment: ["CEPH_CONF": dev.configFile])
            #expect(under.status == 0)
            #expect(under.standardOutput == "every quota rule is below its warning ratio\n")
        }
    }

    @Test("report --format html on real images with hours of synthetic history renders in Chromium")
    func htmlReportRendersInChromium() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("report") { pool in
            try await dev.rbd("create", "--size", "2G", "\(pool)/database")
            try await dev.write("\(pool)/database", ioSize: "4M", total: "48M", pattern: "seq")
            try await dev.rbd("create", "--size", "1G", "--image-feature", "layering", "\(pool)/cache")
            try await dev.write("\(pool)/cache", ioSize: "4K", total: "64K")
            try await dev.withConnection { cluster in
                let real = await Metering.Scanner(cluster: cluster, options: ScanOptions(pools: [pool], mode: .object)).scan()
                try #require(real.succeeded)

                // Six hours of history before the real scan: the database grew to its size now.
                let folder = try Self.folder()
                let database = folder.appendingPathComponent("history.sqlite").path
                let store = try HistoryStore(path: database)
                let now = real.finishedAt
                for step in 0..<36 {
                    let time = now.addingTimeInterval(-Double(36 - step) * 600)
                    let images = real.images.map { image -> ImageUsage in
                        var past = image
                        let share = Double(step + 1) / 37
                        past.usedBytes = UInt64(Double(image.usedBytes) * share)
                        past.totalUsedBytes = past.usedBytes
                        return past
                    }
                    try await store.record(ScanReport(startedAt: time, finishedAt: time, mode: .object, pools: [PoolScan(pool: pool, images: images)]))
                }
                try await store.record(real)
                try store.close()

                let html = folder.appendingPathComponent("report.html").path
                let result = try await Shell.execute(DaemonProcess.executable, ["report", "--database", database, "--since", "7h", "--by", "image", "--format", "html", "--output", html])
                #expect(result.status == 0, "\(result.standardError)")
                let page = try String(contentsOfFile: html, encoding: .utf8)
                #expect(page.contains("\(pool)/database"))
                #expect(page.contains("<polyline"))

                let screenshot = folder.appendingPathComponent("report.png").path
                let chromium = try await Shell.execute("chromium", [
                    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1100,1700",
                    "--screenshot=\(screenshot)", "file://\(html)",
                ])
                #expect(chromium.status == 0, "\(chromium.standardError)")
                let size = (try? FileManager.default.attributesOfItem(atPath: screenshot)[.size] as? Int) ?? 0
                #expect(size > 30_000, "a page with charts and tables, not a blank one: \(size) bytes")
                if let keep = ProcessInfo.processInfo.environment["RBD_METER_KEEP_REPORT"] {
                    try? FileManager.default.copyItem(atPath: screenshot, toPath: keep)
                }
            }
        }
    }
}
