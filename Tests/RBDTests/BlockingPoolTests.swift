import DevCluster
import Foundation
import Glibc
import RBD
import Testing

@Suite("Blocking pool")
struct BlockingPoolTests {
    @Test("a niced pool runs its calls, and the threads of a client connected on it, at its nice value")
    func nicedPoolLowersTheWholeClient() async throws {
        let dev = try await DevCluster.shared()
        let pool = BlockingPool(threads: 2, niceness: 7)
        let seen = try await pool.run { getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) }
        #expect(seen == 7)
        #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) == 0, "the caller's thread keeps its priority")

        let before = Self.threads(niceness: 7)
        let cluster = try await Cluster.connect(dev.connectionOptions(), on: pool)
        _ = try await cluster.rbdPoolNames()
        let started = Self.threads(niceness: 7).subtracting(before)
        // librados' messenger workers carry the network traffic of every call.
        #expect(started.contains { $0.name.hasPrefix("msgr-worker") }, "threads started at nice 7: \(started)")
        await cluster.close()
        await pool.shutdown()
    }

    private struct ThreadEntry: Hashable {
        var id: String
        var name: String
    }

    /// This process's threads with the given nice value, from /proc.
    private static func threads(niceness: Int) -> Set<ThreadEntry> {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return Set(tasks.compactMap { id in
            guard let stat = try? String(contentsOfFile: "/proc/self/task/\(id)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")"), let open = stat.firstIndex(of: "(")
            else { return nil }
            // Fields after the name: state is field 3, nice is field 19.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 16, Int(fields[16]) == niceness else { return nil }
            return ThreadEntry(id: id, name: String(stat[stat.index(after: open)..<close]))
        })
    }
}
