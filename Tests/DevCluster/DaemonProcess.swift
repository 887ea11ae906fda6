import Foundation

/// An `rbd-meter serve` process for end-to-end tests: started with a config file, found by the URL
/// it prints, asked over HTTP with curl, and stopped by signal.
public final class DaemonProcess: @unchecked Sendable {
    public let process: Process
    /// `http://127.0.0.1:PORT`.
    public let baseURL: String
    /// What the daemon logged on stderr so far.
    public var log: String { logBuffer.text }
    private let logBuffer = TextBuffer()

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
    public init(config: String, environment: [String: String] = [:], timeout: Double = 60) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["serve", "--config", config, "--listen", "127.0.0.1:0", "--log-level", "debug"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        self.process = process
        let buffer = logBuffer
        Thread {
            while true {
                let data = errors.fileHandleForReading.availableData
                if data.isEmpty { break }
                buffer.append(String(decoding: data, as: UTF8.self))
            }
        }.start()
        let announced = TextBuffer()
        Thread {
            while true {
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { break }
                announced.append(String(decoding: data, as: UTF8.self))
            }
        }.start()
        let deadline = Date().addingTimeInterval(timeout)
        var url: String?
        while url == nil {
            if let match = announced.text.firstMatch(of: /serving (http:\/\/[^\/\s]+)\/metrics/) {
                url = String(match.1)
            } else if !process.isRunning || Date() > deadline {
                process.terminate()
                throw Shell.Failure(command: "rbd-meter serve", status: process.isRunning ? -1 : process.terminationStatus, output: buffer.text)
            } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        baseURL = url!
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// GETs `path` and returns the status and body.
    public func get(_ path: String, headers: [String] = []) async throws -> (status: Int, body: String) {
        let arguments = ["-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "10"] + headers.flatMap { ["-H", $0] } + [baseURL + path]
        let result = try await Shell.execute("curl", arguments)
        var lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.popLast() ?? "") ?? 0
        return (status, lines.joined(separator: "\n"))
    }

    /// Polls `condition` every 200 ms until it holds or `seconds` pass.
    public func waitUntil(seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// Waits until `/readyz` answers 200.
    public func waitUntilReady(seconds: Double = 60) async throws -> Bool {
        try await waitUntil(seconds: seconds) { try await self.get("/readyz").status == 200 }
    }

    /// Sends `signal` and waits for the process to end; returns its exit status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Double = 30) async throws -> Int32 {
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            throw Shell.Failure(command: "rbd-meter serve", status: -1, output: "did not stop within \(timeout) s after signal \(signal)")
        }
        return process.terminationStatus
    }
}

/// Text appended from a reader thread and read from tests.
final class TextBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var storage = ""
    func append(_ text: String) { lock.withLock { storage += text } }
    var text: String { lock.withLock { storage } }
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
