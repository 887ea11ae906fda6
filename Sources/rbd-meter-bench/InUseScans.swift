import DevCluster
import Foundation
import Metering
import RBD
import Synchronization
import TestSupport

/// What `serve`'s scans cost while part of the images are in use: held open read-write (a watch on
/// the header, as a mapped volume has) and written between scans without any header write, as the
/// kernel client writes (librbd with `rbd_mtime_update_interval` 0, the exclusive lock taken
/// before the first scan).
struct InUseResult {
    var fixture: String
    var mode: String
    var inUse: Int
    /// The median duration of the first scan that began after each round of writes.
    var scanSeconds: Double
    /// Process CPU time from the end of the scan before to the end of that scan, per image.
    var cpuMillisecondsPerImage: Double
    /// Image-rounds whose write the next scan showed, of all written.
    var writesSeen: Int
    var writes: Int
}

extension Bench {
    /// Runs `serve` on `fixture`'s pool in `mode`, one scan a second, with its first `inUse` images
    /// held open; `rounds` times writes 4 KiB at the start of a new object of each of them, and checks in
    /// `/metrics` that the first scan that began after the writes shows every one.
    func inUseScans(_ fixture: Fixture, mode: String, inUse: Int, rounds: Int = 5) async throws -> InUseResult {
        let (folder, config) = try serveConfig(pool: fixture.pool, scan: #""mode": "\#(mode)""#)
        defer { try? FileManager.default.removeItem(at: folder) }

        // The writers: one thread each, no cache, no modify timestamp.
        let threads = BlockingPool(threads: inUse + 8)
        let writers = try await Cluster.connect(
            ConnectionOptions(configFile: cephConf, connectTimeout: 30, osdOperationTimeout: 600,
                              settings: ["rbd_cache": "false", "rbd_mtime_update_interval": "0"]),
            on: threads)
        let context = try await writers.ioContext(pool: fixture.pool)
        let ids = Dictionary(uniqueKeysWithValues: try await context.images().map { ($0.name, $0.id) })
        let held = Mutex<[Int: Watch]>([:])
        try await forEachConcurrently(0..<inUse, limit: 16) { index in
            let watch = try await Watch(String(format: "vol-%05d", index), in: context)
            // Rewrites the fixture's first block as it is: takes the exclusive lock (a header
            // write) now, before the scans are timed, and allocates nothing.
            try await watch.write([UInt8](repeating: 0x5A, count: 4096), at: Fixture.scaleWrites(index)[0])
            held.withLock { $0[index] = watch }
        }
        // Closed at the end, or by their deinit when a step throws.
        let watches = held.withLock { $0 }

        let serve = try await ServeRun(self, pool: fixture.pool, folder: folder, config: config)
        defer { serve.stop() }
        func usedBytes() async throws -> [Int: Double] {
            let samples = try await serve.daemon.metrics()
            return Dictionary(uniqueKeysWithValues: (0..<inUse).map { index in
                (index, samples[PrometheusText.imageSeries("rbd_image_used_bytes", pool: fixture.pool, image: String(format: "vol-%05d", index))] ?? -1)
            })
        }
        // Two scans first: the first measures everything, the second settles.
        try await serve.waitUntilFinished(2)

        let block = [UInt8](repeating: 0xC3, count: 4096)
        var seconds: [Double] = [], cpu: [Double] = [], seen = 0
        for _ in 1...rounds {
            let before = try await usedBytes()
            try await forEachConcurrently(0..<inUse, limit: 32) { index in
                // 4 KiB at the start of an object the image does not have (earlier rounds and
                // runs made some): an object 4 KiB long, so exact mode grows by 4 KiB, object
                // mode by a whole object.
                guard let id = ids[String(format: "vol-%05d", index)] else { throw fail("no image vol-\(index)") }
                let candidates = Array((UInt64(1)...255).reversed())
                let lengths = try await context.dataObjectLengths(prefix: "rbd_data.\(id)", objects: candidates)
                guard let object = zip(candidates, lengths).first(where: { $0.1 == nil })?.0 else { throw fail("vol-\(index) is full") }
                try await watches[index]!.write(block, at: object << 22)
            }
            // The first scan that begins now, and the end of the one before it.
            let next = try await serve.started() + 1
            try await serve.waitUntilFinished(next, seconds: 600)
            seconds.append(try await serve.durations(first: next)[next - 1])
            let growth = mode == "exact" ? 4096.0 : Double(4 << 20)
            let after = try await usedBytes()
            seen += (0..<inUse).filter { after[$0]! == before[$0]! + growth }.count
            // CPU over one further scan interval, in-use images measured again, idle ones probed.
            let cpuStart = try serve.cpuSeconds(), finishedStart = try await serve.finished()
            try await serve.waitUntilFinished(finishedStart + 1, seconds: 600)
            cpu.append(try serve.cpuSeconds() - cpuStart)
        }
        for watch in watches.values { try await watch.close() }
        await writers.close()
        await threads.shutdown()
        return InUseResult(
            fixture: fixture.description, mode: mode, inUse: inUse, scanSeconds: seconds.sorted()[seconds.count / 2],
            cpuMillisecondsPerImage: cpu.sorted()[cpu.count / 2] * 1000 / Double(fixture.images), writesSeen: seen, writes: inUse * rounds)
    }
}
