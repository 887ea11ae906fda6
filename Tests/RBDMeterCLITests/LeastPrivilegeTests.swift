import DevCluster
import Foundation
import Testing

/// rbd-meter with the keys docs/configuration.md tells operators to make: a read-only one for metering, a
/// separate one for the REST API's changes, and no ceph.conf at all (monitor addresses and a key
/// file, as a container gets them).
@Suite("Least-privilege keys")
struct LeastPrivilegeTests {
    /// The metering key of docs/configuration.md: `mon 'allow r'`, because `profile rbd` may blocklist clients.
    static let readOnlyCaps = ["mon", "allow r", "osd", "profile rbd-read-only"]
    static let writeCaps = ["mon", "profile rbd", "osd", "profile rbd"]

    typealias Output = ScanCommandTests.Output

    /// A pool with an image of each main path: object map, listing (layering-only with a snapshot), namespace.
    static func fixture(_ dev: DevCluster, _ pool: String) async throws {
        try await dev.rbd("create", "--size", "1G", "\(pool)/fast")
        try await dev.write("\(pool)/fast", ioSize: "4K", total: "256K")
        try await dev.rbd("create", "--size", "1G", "--image-feature", "layering", "\(pool)/kernel")
        try await dev.write("\(pool)/kernel", ioSize: "4K", total: "128K")
        try await dev.rbd("snap", "create", "\(pool)/kernel@s1")
        try await dev.write("\(pool)/kernel", ioSize: "4K", total: "64K")
        try await dev.rbd("namespace", "create", "--pool", pool, "--namespace", "tenant")
        try await dev.rbd("create", "--size", "512M", "\(pool)/tenant/vol")
        try await dev.write("\(pool)/tenant/vol", ioSize: "64K", total: "1M")
    }

    @Test("scan with the read-only key, monitor addresses and a key file (no ceph.conf) equals the admin's scan", arguments: ["object", "exact"])
    func readOnlyScanEqualsAdminScan(mode: String) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("ro") { pool in
            try await Self.fixture(dev, pool)
            let admin = try await Shell.run(DaemonProcess.executable, ["scan", "--ceph-conf", dev.configFile, "--pool", pool, "--mode", mode, "--format", "json"])
            try await dev.withClient("rbd-meter", caps: Self.readOnlyCaps) { id, keyFile in
                let readOnly = try await Shell.run(DaemonProcess.executable, [
                    "scan", "--mon-host", try dev.monitorHosts(), "--id", id, "--key-file", keyFile, "--pool", pool, "--mode", mode, "--format", "json",
                ], environment: ["CEPH_CONF": "/nonexistent/ceph.conf"])
                let expected = try JSONDecoder().decode(Output.self, from: Data(admin.utf8))
                #expect(expected.images.count == 3)
                #expect(try JSONDecoder().decode(Output.self, from: Data(readOnly.utf8)) == expected)
            }
        }
    }

    @Test("the metering key cannot blocklist a client, which the API's key (mon 'profile rbd') can")
    func meteringKeyCannotFence() async throws {
        let dev = try await DevCluster.shared()
        // An address no client has: blocklisting it fences nobody.
        let nobody = "192.0.2.1:0/\(UInt32.random(in: 1...UInt32.max))"
        try await dev.withClient("rbd-meter", caps: Self.readOnlyCaps) { id, keyFile in
            let refused = try await Shell.execute("ceph", ["--conf", dev.configFile, "--id", id, "--keyfile", keyFile, "osd", "blocklist", "add", nobody])
            #expect(refused.status != 0, "the metering key blocklisted \(nobody): \(refused.standardError)")
            #expect(refused.standardError.contains("EACCES") || refused.standardError.contains("denied"), "\(refused.standardError)")
        }
        try await dev.withClient("rbd-meter-api", caps: Self.writeCaps) { id, keyFile in
            // The check above means something only if a key with the profile could do it.
            _ = try await Shell.run("ceph", ["--conf", dev.configFile, "--id", id, "--keyfile", keyFile, "osd", "blocklist", "add", nobody])
        }
        #expect(try await dev.ceph("osd", "blocklist", "ls").contains(nobody))
        try await dev.ceph("osd", "blocklist", "rm", nobody)
    }

    @Test("serve meters with the read-only key from the environment alone; the API changes nothing with it (403 JSON) and creates with a key of its own")
    func serveWithReadOnlyKeyAndSeparateAPIKey() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("ro-serve") { pool in
            try await Self.fixture(dev, pool)
            let token = "ro-\(UUID().uuidString)"
            try await dev.withClient("rbd-meter", caps: Self.readOnlyCaps) { readID, readKey in
                try await dev.withClient("rbd-meter-api", caps: Self.writeCaps) { writeID, writeKey in
                    let folder = try TemporaryFolder.make("rbd-meter-least-privilege")
                    func config(apiKey: Bool) async throws -> String {
                        let path = folder.appendingPathComponent("config-\(apiKey).json").path
                        let identity = apiKey ? #", "ceph": {"id": "\#(writeID)", "key_file": "\#(writeKey)"}"# : ""
                        try """
                            {"pools": {"names": ["\(pool)"]}, "scan": {"interval_seconds": 2},
                             "database": {"path": "\(folder.appendingPathComponent("history-\(apiKey).sqlite").path)"},
                             "api": {"tokens": [{"name": "test", "sha256": "\(try await Self.sha256(token))"}]\(identity)}}
                            """.write(toFile: path, atomically: true, encoding: .utf8)
                        return path
                    }
                    // Everything about the cluster comes from the environment, as in a pod.
                    let environment = [
                        "CEPH_CONF": "/nonexistent/ceph.conf", "RBD_METER_CEPH_MON_HOST": try dev.monitorHosts(),
                        "RBD_METER_CEPH_ID": readID, "RBD_METER_CEPH_KEY_FILE": readKey,
                    ]
                    let readOnly = try await DaemonProcess(config: try await config(apiKey: false), environment: environment)
                    #expect(try await readOnly.waitUntilReady(), "\(readOnly.log.suffix(2000))")
                    let samples = try await readOnly.metrics()
                    for (image, namespace) in [("fast", ""), ("kernel", ""), ("vol", "tenant")] {
                        let spec = namespace.isEmpty ? "\(pool)/\(image)" : "\(pool)/\(namespace)/\(image)"
                        let du = try #require(try await dev.du(spec, exact: true, mergeSnapshots: true).first)
                        #expect(samples[PrometheusText.imageSeries("rbd_image_total_used_bytes", pool: pool, namespace: namespace, image: image)] == Double(du.used_size), "\(spec)")
                    }
                    #expect(samples[#"rbd_pool_stored_bytes{pool="\#(pool)"}"#] != nil, "ceph df works with the read-only key")
                    let refused = try await readOnly.request("POST", "/v1/image?poolName=\(pool)&imageName=made-by-api&size=1048576", headers: ["Authorization: Bearer \(token)"], timeout: 30)
                    #expect(refused.status == 403, "\(refused.body)")
                    #expect(refused.body.contains(#""error":"ceph_permission_denied""#), "\(refused.body)")
                    #expect(try await readOnly.stop() == 0)
                    #expect(!(try await dev.rbd("ls", pool).contains("made-by-api")), "the refused change changed nothing")

                    let withAPIKey = try await DaemonProcess(config: try await config(apiKey: true), environment: environment)
                    #expect(try await withAPIKey.waitUntilReady())
                    let created = try await withAPIKey.request("POST", "/v1/image?poolName=\(pool)&imageName=made-by-api&size=1048576", headers: ["Authorization: Bearer \(token)"], timeout: 30)
                    #expect(created.status == 201, "\(created.body)")
                    #expect(try await dev.rbd("ls", pool).contains("made-by-api"))
                    #expect(try await withAPIKey.stop() == 0)
                }
            }
        }
    }

    static func sha256(_ text: String) async throws -> String {
        try await Shell.run("python3", ["-c", "import hashlib,sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())", text])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
