import Foundation

/// A real `prometheus` server (Debian's package) scraping given targets every second, on a free
/// port and a throw-away data folder.
public final class PrometheusServer: Sendable {
    let process: ChildProcess
    let folder: URL
    public let port: Int

    /// Starts the server; `backfill`, OpenMetrics text with timestamps, is first written to its
    /// storage with `promtool tsdb create-blocks-from openmetrics`: hours of history in a moment.
    public init(targets: [String], job: String = "rbd-meter", backfill: String? = nil) async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("prometheus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if let backfill {
            let file = folder.appendingPathComponent("backfill.om")
            try backfill.write(to: file, atomically: true, encoding: .utf8)
            do {
                try await Shell.run("/usr/bin/promtool", ["tsdb", "create-blocks-from", "openmetrics", "--quiet", file.path, folder.appendingPathComponent("data").path])
            } catch {
                try? FileManager.default.removeItem(at: folder)
                throw error
            }
        }
        let targetList = targets.map { "'\($0)'" }.joined(separator: ", ")
        let config = """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: '\(job)'
                static_configs:
                  - targets: [\(targetList)]
            """
        let configFile = folder.appendingPathComponent("prometheus.yml")
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        port = try await freePort()
        process = try ChildProcess("/usr/bin/prometheus", [
            "--config.file=\(configFile.path)", "--storage.tsdb.path=\(folder.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
        ])
        // Ready when it says so; a Prometheus that exits or never gets ready fails here, with its log.
        let ready = try await poll(seconds: 60) { [port, process] in
            let answer = try await Shell.execute("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", "http://127.0.0.1:\(port)/-/ready"])
            guard answer.standardOutput != "200" else { return true }
            guard process.isRunning else { throw Shell.Failure(command: "prometheus", status: process.exitStatus ?? -1, output: process.standardError) }
            return false
        }
        guard ready else {
            stop()
            throw Shell.Failure(command: "prometheus", status: process.exitStatus ?? -1, output: "not ready on port \(port): \(process.standardError)")
        }
    }

    /// What Prometheus logged so far.
    public var log: String { process.standardError }

    /// The API's base URL.
    public var url: String { "http://127.0.0.1:\(port)" }

    public func stop() {
        process.send(SIGTERM)
        process.wait()
        try? FileManager.default.removeItem(at: folder)
    }

    /// The value of an instant query with one result, `nil` while there is none.
    public func instantValue(_ query: String) async throws -> Double? {
        let result = try await Shell.execute("curl", [
            "-s", "--max-time", "5", "-G", "http://127.0.0.1:\(port)/api/v1/query", "--data-urlencode", "query=\(query)",
        ])
        struct Response: Decodable {
            struct Data: Decodable {
                struct Sample: Decodable { var value: [Value] }
                var result: [Sample]
            }
            enum Value: Decodable {
                case number(Double), text(String)
                init(from decoder: any Decoder) throws {
                    let container = try decoder.singleValueContainer()
                    if let number = try? container.decode(Double.self) { self = .number(number) } else { self = .text(try container.decode(String.self)) }
                }
            }
            var status: String
            var data: Data?
        }
        guard result.status == 0, let response = try? JSONDecoder().decode(Response.self, from: Data(result.standardOutput.utf8)),
              let sample = response.data?.result.first, sample.value.count == 2, case .text(let text) = sample.value[1]
        else { return nil }
        return Double(text)
    }
}
