import DevCluster
import Foundation
import Testing

/// `rbd-meter scan` as a user runs it: the built executable against the dev cluster.
@Suite("rbd-meter scan")
struct ScanCommandTests {
    static var executable: String { DaemonProcess.executable }


    /// What `scan --format json` prints of each image.
    struct Output: Decodable, Equatable {
        struct Image: Decodable, Equatable {
            var pool: String
            var namespace: String
            var image: String
            var id: String
            var provisioned_bytes: UInt64
            var used_bytes: UInt64
            var total_used_bytes: UInt64
            var snapshots: Int
        }
        var images: [Image]
    }

    @Test("json output matches rbd du for every image of the pool", arguments: ["object", "exact"])
    func jsonMatchesRBDDu(mode: String) async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("cli") { pool in
            try await dev.rbd("create", "--size", "1G", "\(pool)/fast")
            try await dev.write("\(pool)/fast", ioSize: "4K", total: "256K")
            try await dev.rbd("create", "--size", "1G", "--image-feature", "layering", "\(pool)/slow")
            try await dev.write("\(pool)/slow", ioSize: "4K", total: "256K")
            try await dev.rbd("snap", "create", "\(pool)/slow@s1")
            try await dev.write("\(pool)/slow", ioSize: "4K", total: "64K")
            let json = try await Shell.run(Self.executable, ["scan", "--ceph-conf", dev.configFile, "--pool", pool, "--mode", mode, "--format", "json"])
            let output = try JSONDecoder().decode(Output.self, from: Data(json.utf8))
            #expect(output.images.map(\.image) == ["fast", "slow"])
            for image in output.images {
                let du = try #require(try await dev.du("\(pool)/\(image.image)", exact: mode == "exact", mergeSnapshots: true).first)
                #expect(image.total_used_bytes == du.used_size)
                #expect(image.provisioned_bytes == du.provisioned_size)
                #expect(image.id == du.id)
                #expect(image.pool == pool)
                #expect(image.namespace == "")
            }
            #expect(output.images.first { $0.image == "slow" }?.snapshots == 1)
        }
    }

    @Test("table output lists images with human-readable sizes")
    func tableOutput() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("cli") { pool in
            try await dev.rbd("create", "--size", "10G", "\(pool)/volume")
            let table = try await Shell.run(Self.executable, ["scan", "--ceph-conf", dev.configFile, "--pool", pool])
            let lines = table.split(separator: "\n")
            #expect(lines.first?.hasPrefix("POOL") == true)
            #expect(lines.count == 2)
            #expect(lines.last?.contains("10 GiB") == true)
        }
    }

    @Test("an unknown pool is a one-line error and exit status 1")
    func unknownPool() async throws {
        let dev = try await DevCluster.shared()
        let result = try await Shell.execute(Self.executable, ["scan", "--ceph-conf", dev.configFile, "--pool", "no-such-pool"])
        #expect(result.status == 1)
        #expect(result.standardError == "rbd-meter: open pool no-such-pool: ENOENT (No such file or directory)\n")
    }

    @Test("a missing image is a one-line error and exit status 1")
    func missingImage() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool("cli") { pool in
            let result = try await Shell.execute(Self.executable, ["scan", "--ceph-conf", dev.configFile, "--image", "\(pool)/nothing-here"])
            #expect(result.status == 1)
            #expect(result.standardError == "rbd-meter: open image \(pool)/nothing-here: ENOENT (No such file or directory)\n")
        }
    }

    @Test("an unreachable cluster fails within the timeout with one line")
    func unreachableCluster() async throws {
        let folder = try TemporaryFolder.make("rbd-meter-down")
        // A monitor address nobody listens on: the port of a socket we bound and closed.
        let conf = folder.appendingPathComponent("ceph.conf")
        try "[global]\nmon host = v2:127.0.0.1:9\nauth client required = none\n".write(to: conf, atomically: true, encoding: .utf8)
        let result = try await Shell.execute(Self.executable, ["scan", "--ceph-conf", conf.path, "--timeout", "3"])
        #expect(result.status == 1)
        #expect(result.seconds < 10, "took \(result.seconds) s")
        #expect(result.standardError.hasPrefix("rbd-meter: connect to cluster as client.admin: ETIMEDOUT"))
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
    }

    @Test("an unknown client id fails at once with one line naming it, not after the timeout")
    func unknownClientFailsAtOnce() async throws {
        let dev = try await DevCluster.shared()
        let id = "nobody-\(UUID().uuidString.prefix(8).lowercased())"
        let result = try await Shell.execute(Self.executable, ["scan", "--ceph-conf", dev.configFile, "--id", id, "--timeout", "30"])
        #expect(result.status == 1)
        #expect(result.seconds < 25, "waited for the 30 s timeout: \(result.seconds) s")
        #expect(result.standardError.hasPrefix("rbd-meter: authentication failed for client.\(id)"), "\(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
    }
}
