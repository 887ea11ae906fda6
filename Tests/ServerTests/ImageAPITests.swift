import DevCluster
import Foundation
import HTTPTypes
import History
import Metering
import Testing

/// `/v1/image` against the dev cluster, checked with `rbd ls`, `rbd info` and `rbd du`.
@Suite("Image API")
struct ImageAPITests {
    func rbdInfo(_ harness: APITestHarness, _ spec: String) async throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(try await harness.dev.rbd("info", "--format", "json", spec).utf8)) as? [String: Any] ?? [:]
    }

    @Test("the article's flow: create with a form body and a token, then read the allocation")
    func articleFlow() async throws {
        try await APITestHarness().run { harness in
            try await harness.dev.withPool("article") { pool in
                try await harness.test { client in
                    let created = try await client.call(.post, "/v1/image", body: "poolName=\(pool)&imageName=ceph-rbd&size=1073741824")
                    #expect(created.status == .created)
                    #expect((created.json["size"] as? NSNumber)?.uint64Value == 1 << 30, "sizes are JSON numbers")
                    #expect(try await harness.dev.rbd("ls", pool).split(separator: "\n") == ["ceph-rbd"])
                    #expect(try await rbdInfo(harness, "\(pool)/ceph-rbd")["size"] as? Int == 1 << 30)
                    try await harness.dev.write("\(pool)/ceph-rbd", ioSize: "4K", total: "128K")

                    let allocation = try await client.call(.get, "/v1/image/allocation?poolName=\(pool)&imageName=ceph-rbd")
                    #expect(allocation.status == .ok)
                    let du = try #require(try await harness.dev.du("\(pool)/ceph-rbd", exact: true).first)
                    #expect((allocation.json["used_bytes"] as? NSNumber)?.uint64Value == du.used_size)
                    #expect((allocation.json["total_used_bytes"] as? NSNumber)?.uint64Value == du.used_size)
                    #expect((allocation.json["provisioned_bytes"] as? NSNumber)?.uint64Value == 1 << 30)
                    #expect(allocation.json["mode"] as? String == "exact")
                    #expect(allocation.json["computed_at"] is String)
                    #expect(allocation.json["pool"] as? String == pool)
                    #expect(allocation.json["namespace"] as? String == "")
                }
            }
        }
    }

    @Test("an allocation without a mode is measured in the scans' configured mode; a mode in the request wins")
    func allocationFollowsTheScanMode() async throws {
        try await APITestHarness().run { harness in
            var harness = harness
            harness.settings.scan.mode = .object
            try await harness.dev.withPool("mode") { pool in
                try await harness.dev.rbd("create", "--size", "64M", "--image-feature", "layering", "\(pool)/a")
                try await harness.dev.write("\(pool)/a", ioSize: "4K", total: "16K")
                let whole = try #require(try await harness.dev.du("\(pool)/a", exact: false).first)
                let exact = try #require(try await harness.dev.du("\(pool)/a", exact: true).first)
                #expect(whole.used_size != exact.used_size, "the modes must differ for the test to tell them apart")
                try await harness.test { client in
                    let configured = try await client.call(.get, "/v1/image/allocation?poolName=\(pool)&imageName=a")
                    #expect(configured.json["mode"] as? String == "object")
                    #expect((configured.json["used_bytes"] as? NSNumber)?.uint64Value == whole.used_size)
                    let asked = try await client.call(.get, "/v1/image/allocation?poolName=\(pool)&imageName=a&mode=exact")
                    #expect(asked.json["mode"] as? String == "exact")
                    #expect((asked.json["used_bytes"] as? NSNumber)?.uint64Value == exact.used_size)
                }
            }
        }
    }

    @Test("a blocklisted API connection answers 503 once, saying to retry, and is replaced: the next request succeeds")
    func blocklistedConnectionIsReplaced() async throws {
        try await APITestHarness().run { harness in
            try await harness.dev.withPool("fenced-api") { pool in
                try await harness.dev.rbd("create", "--size", "64M", "\(pool)/a")
                let address = try await harness.connector.connect().address
                try await harness.dev.ceph("osd", "blocklist", "add", address)
                do {
                    try await harness.test { client in
                        let fenced = try await client.call(.get, "/v1/image?poolName=\(pool)")
                        #expect(fenced.status == .serviceUnavailable)
                        #expect(fenced.json["error"] as? String == "connection_replaced")
                        let retried = try await client.call(.get, "/v1/image?poolName=\(pool)")
                        #expect(retried.status == .ok, "\(retried.json)")
                    }
                    #expect(try await harness.connector.connect().address != address, "a fresh connection replaced the fenced one")
                } catch {
                    _ = try? await harness.dev.ceph("osd", "blocklist", "rm", address)
                    throw error
                }
                try await harness.dev.ceph("osd", "blocklist", "rm", address)
            }
        }
    }

    @Test("images are listed, created in namespaces with features, resized and deleted as rbd sees them")
    func imageLifecycle() async throws {
        try await APITestHarness().run { harness in
            try await harness.dev.withPool("images") { pool in
                try await harness.dev.rbd("namespace", "create", "--pool", pool, "--namespace", "tenant")
                try await harness.test { client in
                    let json = #"{"poolName": "\#(pool)", "imageName": "kernel", "size": 67108864, "namespace": "tenant", "features": "layering"}"#
                    #expect(try await client.call(.post, "/v1/image", body: json, contentType: "application/json").status == .created)
                    let info = try await rbdInfo(harness, "\(pool)/tenant/kernel")
                    #expect(info["features"] as? [String] == ["layering"])

                    let list = try await client.call(.get, "/v1/image?poolName=\(pool)&namespace=tenant")
                    #expect((list.json["images"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["kernel"])
                    #expect((try await client.call(.get, "/v1/image?poolName=\(pool)").json["images"] as? [Any])?.isEmpty == true)

                    let grown = try await client.call(.put, "/v1/image/size?poolName=\(pool)&namespace=tenant&imageName=kernel&size=134217728")
                    #expect(grown.status == .ok)
                    #expect((grown.json["previous_size"] as? NSNumber)?.uint64Value == 64 << 20)
                    #expect((grown.json["size"] as? NSNumber)?.uint64Value == 128 << 20)
                    #expect(try await rbdInfo(harness, "\(pool)/tenant/kernel")["size"] as? Int == 128 << 20)
                    let shrink = try await client.call(.put, "/v1/image/size?poolName=\(pool)&namespace=tenant&imageName=kernel&size=1048576")
                    #expect(shrink.status == .conflict)
                    #expect(shrink.error == "shrink_refused")
                    #expect(try await rbdInfo(harness, "\(pool)/tenant/kernel")["size"] as? Int == 128 << 20, "a refused shrink changes nothing")
                    let shrunk = try await client.call(.put, "/v1/image/size?poolName=\(pool)&namespace=tenant&imageName=kernel&size=1048576&allowShrink=true")
                    #expect(shrunk.status == .ok)
                    #expect(try await rbdInfo(harness, "\(pool)/tenant/kernel")["size"] as? Int == 1 << 20)

                    let deleted = try await client.call(.delete, "/v1/image?poolName=\(pool)&namespace=tenant&imageName=kernel")
                    #expect(deleted.status == .ok)
                    #expect(try await harness.dev.rbd("ls", "\(pool)/tenant").isEmpty)
                }
            }
        }
    }

    @Test("bad requests get 400 and change nothing", arguments: [
        ("poolName=P&imageName=x&size=0", "size"),
        ("poolName=P&imageName=x&size=-5", "size"),
        ("poolName=P&imageName=x&size=12abc", "size"),
        ("poolName=P&imageName=x&size=99999999999999999999999", "size"),
        ("poolName=P&imageName=x&size=2251799813685249", "size"),
        ("poolName=P&imageName=x", "size"),
        ("poolName=P&size=1024", "imageName"),
        ("poolName=P&imageName=..%2Fescape&size=1024", "imageName"),
        ("poolName=P&imageName=a%40snap&size=1024", "imageName"),
        ("poolName=P&imageName=x&imageName=y&size=1024", "imageName"),
        ("poolName=P&imageName=x&size=1024&features=warp-drive", "features"),
        ("poolName=P&imageName=%FF%FE&size=1024", "encoding"),
    ])
    func badCreateRequests(query: String, parameter: String) async throws {
        try await APITestHarness().run { harness in
            try await harness.dev.withPool("bad") { pool in
                try await harness.test { client in
                    let response = try await client.call(.post, "/v1/image?" + query.replacing("poolName=P", with: "poolName=\(pool)"))
                    #expect(response.status == .badRequest)
                    // Every refusal names what was wrong: the parameter, or for bytes that decode to no
                    // text, the encoding (with an error code of its own).
                    #expect((response.json["message"] as? String)?.contains(parameter) == true, "\(response.json)")
                    #expect(response.error == (parameter == "encoding" ? "bad_encoding" : "bad_parameter"), "\(response.json)")
                }
                #expect(try await harness.dev.rbd("ls", pool).isEmpty)
            }
        }
    }

    @Test("missing pools and images are 404, existing ones 409 on create")
    func notFoundAndConflict() async throws {
        try await APITestHarness().run { harness in
            try await harness.dev.withPool("nf") { pool in
                try await harness.dev.rbd("create", "--size", "1M", "\(pool)/exists")
                try await harness.test { client in
                    #expect(try await client.call(.get, "/v1/image?poolName=no-such-pool-\(UUID().uuidString.prefix(6))").status == .notFound)
                    #expect(try await client.call(.get, "/v1/image/info?poolName=\(pool)&imageName=ghost").status == .notFound)
                    #expect(try await client.call(.get, "/v1/image/allocation?poolName=\(pool)&imageName=ghost").status == .notFound)
                    #expect(try await client.call(.delete, "/v1/image?poolName=\(pool)&imageName=ghost").status == .notFound)
                    #expect(try await client.call(.put, "/v1/image/size?poolName=\(pool)&imageName=ghost&size=1024").status == .notFound)
                    #expect(try await client.call(.get, "/v1/image?poolName=\(pool)&namespace=nope").status == .notFound)
                    let exists = try await client.call(.post, "/v1/image?poolName=\(pool)&imageName=exists&size=1024")
                    #expect(exists.status == .conflict)
                    #expect(exists.error == "already_exists")
                    #expect(try await client.call(.patch, "/v1/image?poolName=\(pool)").status == .methodNotAllowed)
                }
            }
        }
    }

    @Test("an image with snapshots is kept unless forced; one open by another process is never deleted")
    func deletionSafety() async throws {
        try await APITestHarness().run { harness in
            try await harness.dev.withPool("safe") { pool in
                try await harness.dev.rbd("create", "--size", "64M", "\(pool)/snapped")
                try await harness.dev.rbd("snap", "create", "\(pool)/snapped@one")
                try await harness.dev.rbd("snap", "protect", "\(pool)/snapped@one")
                try await harness.dev.rbd("create", "--size", "1G", "\(pool)/busy")
                // rbd bench keeps the image open (a watch on its header) for as long as it writes.
                let bench = try ChildProcess("rbd", ["--conf", harness.dev.configFile, "bench", "--io-type", "write", "--io-size", "4K", "--io-threads", "1", "--io-total", "1G", "\(pool)/busy"])
                defer { bench.send(SIGTERM); bench.wait() }
                var watched = false
                for _ in 0..<100 where !watched {
                    watched = try await harness.dev.rbd("status", "--format", "json", "\(pool)/busy").contains("\"address\"")
                    if !watched { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(watched)

                try await harness.test { client in
                    let busy = try await client.call(.delete, "/v1/image?poolName=\(pool)&imageName=busy&force=true")
                    #expect(busy.status == .conflict)
                    #expect(busy.error == "in_use")
                    let snapped = try await client.call(.delete, "/v1/image?poolName=\(pool)&imageName=snapped")
                    #expect(snapped.status == .conflict)
                    #expect(snapped.error == "has_snapshots")
                }
                #expect(try await harness.dev.rbd("ls", pool).split(separator: "\n").sorted() == ["busy", "snapped"])
                #expect(try await harness.dev.rbd("snap", "ls", "\(pool)/snapped").contains("one"))
                try await harness.test { client in
                    let forced = try await client.call(.delete, "/v1/image?poolName=\(pool)&imageName=snapped&force=true")
                    #expect(forced.status == .ok)
                }
                #expect(try await harness.dev.rbd("ls", pool).split(separator: "\n") == ["busy"])
            }
        }
    }

    @Test("info matches rbd info; cached allocation and history answer from the scan and the store")
    func infoCachedAllocationAndHistory() async throws {
        let path = try TemporaryFolder.make("api-history").appendingPathComponent("history.sqlite").path
        let store = try HistoryStore(path: path)
        try await APITestHarness(history: store).run { harness in
            try await harness.dev.withPool("info") { pool in
                try await harness.dev.rbd("create", "--size", "256M", "--object-size", "1M", "\(pool)/vol")
                try await harness.dev.write("\(pool)/vol", ioSize: "4K", total: "64K")
                try await harness.dev.rbd("snap", "create", "\(pool)/vol@s1")
                try await harness.dev.rbd("image-meta", "set", "\(pool)/vol", "csi.storage.k8s.io/pvc/name", "data-0")
                try await harness.dev.withConnection { cluster in
                    let report = await Metering.Scanner(cluster: cluster, options: .init(pools: [pool], mode: .object)).scan()
                    harness.state.apply(report)
                    try await store.record(report)
                    try await harness.test { client in
                        let info = try await client.call(.get, "/v1/image/info?poolName=\(pool)&imageName=vol")
                        let rbd = try await rbdInfo(harness, "\(pool)/vol")
                        #expect(info.json["size"] as? Int == rbd["size"] as? Int)
                        #expect(info.json["object_size"] as? Int == 1 << 20)
                        #expect(info.json["features"] as? [String] == rbd["features"] as? [String])
                        #expect(info.json["block_name_prefix"] as? String == rbd["block_name_prefix"] as? String)
                        #expect((info.json["snapshots"] as? [[String: Any]])?.first?["name"] as? String == "s1")
                        #expect((info.json["metadata"] as? [String: String]) == ["csi.storage.k8s.io/pvc/name": "data-0"])
                        #expect((info.json["watchers"] as? [Any])?.isEmpty == true)

                        let cached = try await client.call(.get, "/v1/image/allocation?poolName=\(pool)&imageName=vol&cached=true")
                        #expect(cached.json["cached"] as? Bool == true)
                        #expect(cached.json["mode"] as? String == "object")
                        let du = try #require(try await harness.dev.du("\(pool)/vol", exact: false, mergeSnapshots: true).first)
                        #expect((cached.json["total_used_bytes"] as? NSNumber)?.uint64Value == du.used_size)

                        let history = try await client.call(.get, "/v1/image/history?poolName=\(pool)&imageName=vol&since=1h")
                        #expect((history.json["history"] as? [Any])?.count == 1)
                        #expect(try await client.call(.get, "/v1/image/history?poolName=\(pool)&imageName=vol&since=yesterday").status == .badRequest)
                    }
                }
            }
        }
    }

    @Test("the OpenAPI document is served and names every /v1 route")
    func openAPIDocument() async throws {
        try await APITestHarness().run { harness in
            try await harness.test { client in
                let document = try await client.call(.get, "/openapi.json", headers: [:])
                #expect(document.status == .ok)
                let paths = try #require(document.json["paths"] as? [String: Any])
                #expect(Set(paths.keys).isSuperset(of: ["/v1/pool", "/v1/pool/usage", "/v1/image", "/v1/image/allocation", "/v1/image/info", "/v1/image/size", "/v1/image/history"]))
            }
        }
    }
}
