import DevCluster
import Foundation
import RBD
import Testing

/// What an attacker or a broken client sends, against a real daemon: 4xx, nothing changed, nothing
/// leaked, and the exporter still answers everyone else.
@Suite("Hostile input")
struct HostileInputTests {
    static let token = "hostile-\(UUID().uuidString)"
    static let password = "s3cret-\(UUID().uuidString.prefix(8))"

    static func daemon(pool: String, dev: DevCluster) async throws -> DaemonProcess {
        let folder = try TemporaryFolder.make("rbd-meter-hostile")
        let digest = try await Shell.run("python3", ["-c", "import hashlib,sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())", token])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let hash = try await Shell.execute(DaemonProcess.executable, ["make-credential", "password", "--name", "alice"], standardInput: Data("\(password)\n".utf8))
        let bcryptHash = try #require(hash.standardOutput.firstMatch(of: /"bcrypt": "([^"]+)"/).map { String($0.1) })
        let config = folder.appendingPathComponent("config.json").path
        try """
            {"pools": {"names": ["\(pool)"]}, "scan": {"interval_seconds": 30},
             "database": {"path": "\(folder.appendingPathComponent("h.sqlite").path)"},
             "api": {"allow_pool_delete": true, "tokens": [{"name": "ci", "sha256": "\(digest)"}], "users": [{"name": "alice", "bcrypt": "\(bcryptHash)"}]}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return try await DaemonProcess(config: config, environment: ["CEPH_CONF": dev.configFile], logLevel: "trace")
    }

    func curl(_ daemon: DaemonProcess, _ arguments: [String]) async throws -> (status: Int, body: String) {
        let result = try await Shell.execute("curl", ["-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "10"] + arguments)
        var lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.popLast() ?? "") ?? 0, lines.joined(separator: "\n"))
    }

    @Test("oversized headers and bodies, slow clients, bad encodings, traversal, bad sizes, repeats: 4xx, nothing changes, others still served")
    func malformedRequests() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("hostile") { pool in
            try await dev.rbd("create", "--size", "64M", "\(pool)/keep")
            let daemon = try await Self.daemon(pool: pool, dev: dev)
            #expect(try await daemon.waitUntilReady())
            let auth = ["-H", "Authorization: Bearer \(Self.token)"]
            let base = daemon.baseURL

            // A header far beyond any real client's: refused, and the next request is served.
            let huge = String(repeating: "a", count: 40_000)
            let oversized = try await Shell.execute("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "-H", "X-Big: \(huge)", "\(base)/healthz"])
            #expect(oversized.standardOutput != "200", "an oversized header is not accepted")
            #expect(try await daemon.get("/healthz").status == 200)

            let bigBody = "poolName=\(pool)&imageName=big&size=1024&pad=" + String(repeating: "x", count: 200_000)
            let body = try await Shell.execute("curl", [
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "-X", "POST", "-H", "Authorization: Bearer \(Self.token)",
                "--data-binary", "@-", "\(base)/v1/image",
            ], standardInput: Data(bigBody.utf8))
            #expect(body.standardOutput == "413")

            let cases: [(String, String, [String])] = [
                ("POST", "/v1/image?poolName=\(pool)&imageName=%FF%FE&size=1024", []),
                ("POST", "/v1/image?poolName=\(pool)&imageName=..%2F..%2Fetc%2Fpasswd&size=1024", []),
                ("POST", "/v1/image?poolName=\(pool)&imageName=%2E%2E&size=1024", []),
                ("POST", "/v1/image?poolName=..%2F\(pool)&imageName=x&size=1024", []),
                ("POST", "/v1/image?poolName=\(pool)&imageName=x&size=-1", []),
                ("POST", "/v1/image?poolName=\(pool)&imageName=x&size=99999999999999999999999999", []),
                ("POST", "/v1/image?poolName=\(pool)&imageName=x&size=1e9", []),
                ("POST", "/v1/image?poolName=\(pool)&imageName=x&imageName=y&size=1024", []),
                ("POST", "/v1/image?poolName=\(pool)&size=1024", ["-H", "Content-Type: application/json", "--data-binary", "{\"imageName\": \"\\u0000x\"}"]),
                ("POST", "/v1/image", ["-H", "Content-Type: application/json", "--data-binary", "{\"poolName\": [1, 2]}"]),
                ("POST", "/v1/image", ["-H", "Content-Type: application/json", "--data-binary", "not json"]),
                ("PUT", "/v1/image/size?poolName=\(pool)&imageName=keep&size=0", []),
                ("DELETE", "/v1/pool?name=\(pool)&force=maybe", []),
            ]
            for (method, path, extra) in cases {
                let response = try await curl(daemon, auth + ["-X", method] + extra + ["\(base)\(path)"])
                #expect((400..<500).contains(response.status), "\(method) \(path): \(response.status) \(response.body)")
                #expect(response.body.contains("\"error\""), "a JSON error for \(method) \(path)")
            }
            let invalidUTF8Body = try await Shell.execute("curl", [
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "-X", "POST", "-H", "Authorization: Bearer \(Self.token)",
                "--data-binary", "@-", "\(base)/v1/image",
            ], standardInput: Data([0x70, 0x6f, 0x6f, 0x6c, 0x4e, 0x61, 0x6d, 0x65, 0x3d, 0xff, 0xfe]))
            #expect(invalidUTF8Body.standardOutput == "400")

            // Slow clients hold connections open with half a request; everyone else is still served.
            let slow = try ChildProcess("python3", ["-c", """
                import socket, sys, time
                host, port = sys.argv[1].rsplit(':', 1)
                sockets = []
                for _ in range(40):
                    s = socket.create_connection((host, int(port)))
                    s.send(b'GET /metrics HTTP/1.1\\r\\nHost: x\\r\\n')
                    sockets.append(s)
                print('connected', flush=True)
                time.sleep(60)
                """, String(base.dropFirst("http://".count))])
            #expect(try await poll(seconds: 30, every: .milliseconds(50)) { slow.standardOutput.contains("connected") }, "the slow clients connected")
            // A server that waited on them would answer only when they leave, after 60 s; a bound
            // far below that and far above a busy runner's scrape time tells the two apart.
            let clock = ContinuousClock()
            let started = clock.now
            #expect(try await daemon.request("GET", "/metrics", timeout: 30).status == 200)
            #expect(clock.now - started < .seconds(15), "served despite 40 slow clients")
            slow.send(SIGKILL)

            #expect(try await dev.rbd("ls", pool).split(separator: "\n") == ["keep"], "nothing was created or deleted")
            #expect(try await dev.rbd("info", "--format", "json", "\(pool)/keep").contains("\"size\":67108864"))
            try await daemon.stop()
        }
    }

    /// The constant-time comparison of tokens is checked on the function itself (AuthenticationTests):
    /// curl's wall time cannot see a byte-by-byte compare.
    @Test("missing and wrong credentials get 401; no secret reaches a log line or an error body")
    func credentials() async throws {
        try await HeavyTestGate.shared.run { try await checkCredentials() }
    }

    func checkCredentials() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("creds") { pool in
            let daemon = try await Self.daemon(pool: pool, dev: dev)
            #expect(try await daemon.waitUntilReady())
            let base = daemon.baseURL
            var bodies: [String] = []
            for header in ["", "Bearer", "Bearer wrong", "Bearer \(Self.token.dropLast())", "Basic \(Data("alice:nope".utf8).base64EncodedString())",
                           "Basic \(Data("mallory:\(Self.password)".utf8).base64EncodedString())", "Digest abc"] {
                let response = try await curl(daemon, (header.isEmpty ? [] : ["-H", "Authorization: \(header)"]) + ["-X", "POST", "\(base)/v1/pool?name=\(pool)-evil"])
                #expect(response.status == 401, "\(header): \(response.status)")
                bodies.append(response.body)
            }
            let good = try await curl(daemon, ["-H", "Authorization: Bearer \(Self.token)", "\(base)/v1/pool"])
            #expect(good.status == 200)
            let basic = try await curl(daemon, ["-u", "alice:\(Self.password)", "\(base)/v1/pool"])
            #expect(basic.status == 200)
            bodies += [good.body, basic.body]


            try await daemon.stop()
            for secret in [Self.token, Self.password, String(Self.token.dropLast())] {
                #expect(!daemon.log.contains(secret), "a secret in the log")
                #expect(!bodies.contains { $0.contains(secret) }, "a secret in a response")
            }
            #expect(!(try await dev.ceph("osd", "pool", "ls").contains("\(pool)-evil")))
        }
    }

    @Test("image names with quotes, backslashes, newlines, braces and long Unicode keep /metrics valid for promtool and Prometheus")
    func awkwardNamesInMetrics() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("names") { pool in
            let names = [
                #"quo"te"#, #"back\slash"#, "new\nline", "{braces}=\"x\",y=\"z\"", "tab\there",
                String(repeating: "ü名🚀", count: 20), "# HELP fake", "trailing\\",
            ]
            try await dev.withConnection { cluster in
                let context = try await cluster.ioContext(pool: pool)
                for name in names { try await context.createImage(name, size: 1 << 20) }
                let daemon = try await Self.daemon(pool: pool, dev: dev)
                #expect(try await daemon.waitUntilReady())
                let scrape = try await daemon.get("/metrics").body
                let lint = try await Shell.execute("promtool", ["check", "metrics"], standardInput: Data(scrape.utf8))
                #expect(lint.status == 0 && lint.standardOutput.isEmpty && lint.standardError.isEmpty, "\(lint.standardOutput)\(lint.standardError)")
                let prometheus = try await PrometheusServer(targets: [String(daemon.baseURL.dropFirst("http://".count))])
                defer { prometheus.stop() }
                var count: Double?
                _ = try await daemon.waitUntil(seconds: 60) {
                    count = try await prometheus.instantValue(#"count(rbd_image_provisioned_bytes{pool="\#(pool)"})"#)
                    return count == Double(names.count)
                }
                #expect(count == Double(names.count), "every series ingested")
                #expect(try await prometheus.instantValue(#"rbd_image_provisioned_bytes{pool="\#(pool)",image="new\nline"}"#) == Double(1 << 20))
                #expect(try await prometheus.instantValue(#"rbd_image_provisioned_bytes{pool="\#(pool)",image="back\\slash"}"#) == Double(1 << 20))
                try await daemon.stop()
            }
        }
    }
}
