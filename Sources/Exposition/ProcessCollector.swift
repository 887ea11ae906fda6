import Foundation

/// The standard `process_*` metrics of Prometheus client libraries, read from `/proc/self` on Linux.
///
/// No Swift library of the ones this project may use provides them, so this follows the Go client's
/// `process_collector`: same names, same sources.
public struct ProcessCollector: MetricsCollector {
    public init() {}

    private typealias Catalog = MetricCatalog

    public func collect(into writer: inout MetricsWriter) {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8) else { return }
        // The command name in parentheses may contain spaces; the numeric fields follow its ")".
        guard let close = stat.lastIndex(of: ")") else { return }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3 of proc(5)); field N of proc(5) is fields[N - 3].
        func field(_ number: Int) -> Double { fields.count > number - 3 ? Double(fields[number - 3]) ?? 0 : 0 }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))

        writer.family(Catalog.processCPUSecondsTotal)
        writer.sample(Catalog.processCPUSecondsTotal, [], (field(14) + field(15)) / ticks)
        writer.family(Catalog.processVirtualMemoryBytes)
        writer.sample(Catalog.processVirtualMemoryBytes, [], field(23))
        writer.family(Catalog.processResidentMemoryBytes)
        writer.sample(Catalog.processResidentMemoryBytes, [], field(24) * pageSize)
        if let bootTime = Self.bootTime {
            writer.family(Catalog.processStartTimeSeconds)
            writer.sample(Catalog.processStartTimeSeconds, [], bootTime + field(22) / ticks)
        }
        if let open = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            writer.family(Catalog.processOpenFDs)
            writer.sample(Catalog.processOpenFDs, [], UInt64(open.count))
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            writer.family(Catalog.processMaxFDs)
            writer.sample(Catalog.processMaxFDs, [], Double(limit.rlim_cur))
        }
    }

    /// Seconds since the epoch at boot (`btime` in `/proc/stat`).
    private static let bootTime: Double? = {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst("btime ".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }()
}
