import Foundation

/// An `rbd-meter serve` process for end-to-end tests: started with a config file, found by the URL
/// it prints, asked over HTTP with curl, and stopped by signal.
public final class DaemonProcess: Sendable {
    public let process: ChildProcess
    /// `http://127.0.0.1:PORT`.
    public let baseURL: String
    /// What the daemon logged on stderr so far.
    public var log: String { process.standardError }

    /// The built `rbd-meter` executable, next to the test bundle.
    public static var executable: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = bundle.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("rbd-meter").path), folder.path != "/" {
            folder = folder.deletingLastPathComponent()
        }
        return folder.appendingPathComponent("rbd-meter").path
    }

    /// Starts `rbd-meter serve --config CONFIG` listening on a free port and waits until it serves.
    ///
    /// - Parameter shellPrefix: shell commands run before the daemon in the same shell, e.g.
    ///   `ulimit -f 40` to limit the size of the files it writes.
    public init(
        config: String, environment: [String: String] = [:], timeout: Double = 60, shellPrefix: String? = nil, logLevel: String = "debug",
        listen: String = "127.0.0.1:0", executable: String = DaemonProcess.executable
    ) async throws {
        let arguments = ["serve", "--config", config, "--listen", listen, "--log-level", logLevel]
        let process = shellPrefix.map { prefix in
            { try ChildProcess("/bin/sh", ["-c", "\(prefix); exec \"$0\" \"$@\"", executable] + arguments, environment: environment) }
        } ?? { try ChildProcess(executable, arguments, environment: environment) }
        let started = try process()
        func url() -> String? {
            started.standardOutput.firstMatch(of: /serving (http:\/\/[^\/\s]+)\/metrics/).map { String($0.1) }
        }
        _ = try await poll(seconds: timeout, every: .milliseconds(50)) { url() != nil || !started.isRunning }
        guard let url = url() else {
            started.send(SIGKILL)
            throw Shell.Failure(command: "rbd-meter serve", status: started.exitStatus ?? -1, output: started.standardError)
        }
        self.process = started
        baseURL = url
    }

    deinit {
        process.send(SIGKILL)
    }

    /// GETs `path` and returns the status and body.
    public func get(_ path: String, headers: [String] = []) async throws -> (status: Int, body: String) {
        try await request("GET", path, headers: headers)
    }

    /// Sends `method` to `path` and returns the status and body.
    public func request(_ method: String, _ path: String, headers: [String] = [], timeout: Int = 10) async throws -> (status: Int, body: String) {
        let arguments = ["-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "\(timeout)", "-X", method] + headers.flatMap { ["-H", $0] } + [baseURL + path]
        let result = try await Shell.execute("curl", arguments)
        var lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.popLast() ?? "") ?? 0
        return (status, lines.joined(separator: "\n"))
    }

    /// Polls `condition` every 200 ms until it holds or `seconds` pass.
    public func waitUntil(seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        try await poll(seconds: seconds, condition)
    }

    /// The samples of a scrape of `/metrics`.
    public func metrics() async throws -> [String: Double] {
        PrometheusText.samples(try await get("/metrics").body)
    }

    /// Peak resident memory of the daemon so far, in bytes (`VmHWM`).
    public var peakResidentBytes: Int { process.peakResidentBytes }

    /// Waits until `/readyz` answers 200.
    public func waitUntilReady(seconds: Double = 60) async throws -> Bool {
        try await waitUntil(seconds: seconds) { try await self.get("/readyz").status == 200 }
    }

    /// Sends `signal` and waits for the process to end; returns its exit status (128 + the signal
    /// when a signal ended it).
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Double = 30) async throws -> Int32 {
        process.send(signal)
        _ = try await poll(seconds: timeout, every: .milliseconds(50)) { !process.isRunning }
        if let status = process.exitStatus { return status }
        process.send(SIGKILL)
        throw Shell.Failure(command: "rbd-meter serve", status: -1, output: "did not stop within \(timeout) s after signal \(signal)")
    }
}

/// Parses Prometheus text into `series → value`, series written as the exposition writes them.
public enum PrometheusText {
    public static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    /// The series name of an image metric, with label values escaped as the exporter escapes them.
    public static func imageSeries(_ metric: String, pool: String, namespace: String = "", image: String) -> String {
        func escape(_ value: String) -> String {
            value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"").replacing("\n", with: "\\n")
        }
        return "\(metric){pool=\"\(escape(pool))\",namespace=\"\(escape(namespace))\",image=\"\(escape(image))\"}"
    }
}
