import DevCluster
import Foundation
import History
@testable import PrometheusHistory
import Reports
import Testing
import TestSupport

/// A Prometheus that is down, fails, or answers with partial data stops the report with an error
/// that says so.
@Suite("Prometheus failures")
struct PrometheusFailureTests {
    /// A stand-in for a failing query API: each path prefix picks one way of failing, the rest of the
    /// path is the API's.
    static let script = #"""
        import http.server, json, sys
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                mode = self.path.split("/")[1]
                if mode == "unavailable":
                    self.answer(503, b"upstream connect error or disconnect/reset before headers", "text/plain")
                elif mode == "overloaded":
                    self.answer(422, json.dumps({"status": "error", "errorType": "execution", "error": "query processing would load too many samples into memory"}).encode())
                elif mode == "warnings":
                    self.answer(200, json.dumps({"status": "success", "data": {"resultType": "vector", "result": []}, "warnings": ["store gateway 10.0.0.7 did not answer: partial response"]}).encode())
                elif mode == "failed":
                    self.answer(200, json.dumps({"status": "error", "errorType": "timeout", "error": "query timed out in expression evaluation"}).encode())
                else:
                    self.answer(200, b"<html>a login page</html>", "text/html")
            def answer(self, code, body, kind="application/json"):
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#

    /// Runs `body` with the stand-in's base URL.
    func withStandIn(_ body: (String) async throws -> Void) async throws {
        let process = try ChildProcess("/usr/bin/python3", ["-c", Self.script])
        defer {
            // SIGKILL: the test process ignores SIGTERM and its children inherit that, and Python
            // installs no handler of its own.
            process.send(SIGKILL)
            process.wait()
        }
        // The port is the first line it prints, once it listens.
        let listening = try await poll(seconds: 30, every: .milliseconds(50)) { process.standardOutput.contains("\n") || !process.isRunning }
        guard listening, process.standardOutput.contains("\n") else { throw Shell.Failure(command: "python3", status: -1, output: process.standardError) }
        let port = process.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        try await body("http://127.0.0.1:\(port)")
    }

    func report(_ url: String) async throws -> [UsageLine] {
        let history = PrometheusHistory(endpoint: try PrometheusEndpoint(url: url))
        return try await UsageMetering.lines(history: history, from: Date(timeIntervalSinceNow: -3600), until: Date(), by: .pool)
    }

    func message(of url: String) async throws -> String {
        let error = await #expect(throws: PrometheusError.self) { try await report(url) }
        return "\(try #require(error))"
    }

    @Test("a Prometheus that is down is named as unreachable")
    func down() async throws {
        let port = try await freePort()
        let text = try await message(of: "http://127.0.0.1:\(port)")
        #expect(text.hasPrefix("cannot reach Prometheus at http://127.0.0.1:\(port)/api/v1/query"), "\(text)")
    }

    @Test("HTTP 4xx and 5xx answers fail with the status and what the server said")
    func errorStatus() async throws {
        try await withStandIn { base in
            let unavailable = try await message(of: base + "/unavailable")
            #expect(unavailable.contains("answered HTTP 503: upstream connect error"), "\(unavailable)")
            let overloaded = try await message(of: base + "/overloaded")
            #expect(overloaded.contains("answered HTTP 422: execution: query processing would load too many samples"), "\(overloaded)")
        }
    }

    @Test("warnings (partial data) and a failed query are errors, and so is an answer that is not the API's")
    func partialAndFailed() async throws {
        try await withStandIn { base in
            let partial = try await message(of: base + "/warnings")
            #expect(partial.contains("partial data") && partial.contains("store gateway 10.0.0.7 did not answer"), "\(partial)")
            let failed = try await message(of: base + "/failed")
            #expect(failed.contains("could not run the query (timeout): query timed out"), "\(failed)")
            let login = try await message(of: base + "/login")
            #expect(login.contains("not JSON of the query API"), "\(login)")
        }
    }
}
