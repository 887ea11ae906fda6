import Exposition
import Foundation
import Testing

@Suite("Process metrics")
struct ProcessCollectorTests {
    @Test("process metrics report this process's memory, CPU, descriptors and start time")
    func processMetricsArePlausible() throws {
        let text = MetricsWriter.render([ProcessCollector()], format: .prometheus)
        func value(_ name: String) throws -> Double {
            let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(name + " ") })
            return try #require(Double(line.split(separator: " ")[1]))
        }
        #expect(try value("process_resident_memory_bytes") > 1_048_576)
        #expect(try value("process_virtual_memory_bytes") > value("process_resident_memory_bytes"))
        #expect(try value("process_open_fds") >= 3)
        #expect(try value("process_max_fds") >= value("process_open_fds"))
        let start = try value("process_start_time_seconds")
        #expect(abs(start - Date().timeIntervalSince1970) < 24 * 3600)
        #expect(try value("process_cpu_seconds_total") >= 0)
    }
}
