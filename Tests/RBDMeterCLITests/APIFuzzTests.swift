import DevCluster
import Foundation
import RBD
import Testing

/// schemathesis (from PyPI) generates requests from the OpenAPI document, valid and invalid, and
/// checks every answer: no 5xx, only documented status codes and content types, bodies that match
/// the schemas.
@Suite("API fuzzing")
struct APIFuzzTests {
    static let token = "fuzz-\(UUID().uuidString)"

    /// How many operations (path and method) the OpenAPI document describes.
    static func operationCount() throws -> Int {
        let url = DevCluster.packageRoot.appendingPathComponent("Sources/Server/Resources/openapi.json")
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        let paths = document?["paths"] as? [String: [String: Any]] ?? [:]
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        return paths.values.reduce(0) { $0 + $1.keys.filter(methods.contains).count }
    }

    @Test("a schemathesis run over the whole OpenAPI document finds no server error and no answer off the schema")
    func schemathesisFindsNothing() async throws {
        let dev = try await DevCluster.shared()
        let venv = try await Shell.run(DevCluster.packageRoot.appendingPathComponent("scripts/fuzz-env").path, [])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try await dev.withConnection { cluster in
            let poolsBefore = Set(try await cluster.poolNames())
            try await dev.withPool("fuzz") { pool in
                try await dev.rbd("create", "--size", "64M", "\(pool)/fuzz-image")
                let folder = try TemporaryFolder.make("rbd-meter-fuzz")
                let digest = try await Shell.run("python3", ["-c", "import hashlib,sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())", Self.token])
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let config = folder.appendingPathComponent("config.json").path
                // Generous timeouts: a pool the fuzzer creates on a busy runner must not answer 503.
                try """
                    {"ceph": {"connect_timeout_seconds": 30, "osd_op_timeout_seconds": 60, "mon_op_timeout_seconds": 30},
                     "pools": {"names": ["\(pool)"]}, "scan": {"interval_seconds": 5},
                     "database": {"path": "\(folder.appendingPathComponent("history.sqlite").path)"},
                     "api": {"tokens": [{"name": "fuzz", "sha256": "\(digest)"}], "max_image_size": "1TiB"}}
                    """.write(toFile: config, atomically: true, encoding: .utf8)
                let daemon = try await DaemonProcess(config: config, environment: ["CEPH_CONF": dev.configFile])
                #expect(try await daemon.waitUntilReady())
                let examples = ProcessInfo.processInfo.environment["RBD_METER_FUZZ_EXAMPLES"] ?? "25"
                let run = try await Shell.execute("\(venv)/bin/st", [
                    "run", "\(daemon.baseURL)/openapi.json",
                    "--header", "Authorization: Bearer \(Self.token)",
                    "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance",
                    "--max-examples", examples, "--request-timeout", "60", "--workers", "2", "--seed", "20261125",
                ], environment: ["NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""])
                let output = run.standardOutput + run.standardError
                #expect(run.status == 0, "\(output.suffix(6000))")
                #expect(output.contains("Tested: \(try Self.operationCount())"), "every operation of the document was exercised")
                #expect(try await daemon.stop() == 0)
                #expect(!daemon.log.contains(Self.token), "the token never reaches a log line")
            }
            // The fuzzer may create pools with odd names: remove them through the binding, which, unlike
            // the ceph CLI, takes any UTF-8.
            // Pools of other tests running meanwhile are named PREFIX-8 hex digits; leave those alone.
            for created in Set(try await cluster.poolNames()).subtracting(poolsBefore) where created.wholeMatch(of: /[a-z]+-[0-9a-f]{8}/) == nil {
                try? await cluster.deletePool(created)
            }
        }
    }
}
