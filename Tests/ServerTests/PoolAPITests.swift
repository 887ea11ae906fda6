import DevCluster
import Foundation
import HTTPTypes
import Metering
import Testing

/// `/v1/pool` against the dev cluster, checked with `ceph osd pool ls`.
@Suite("Pool API")
struct PoolAPITests {
    func poolNames(_ harness: APITestHarness) async throws -> [String] {
        try await harness.dev.ceph("osd", "pool", "ls").split(separator: "\n").map(String.init)
    }

    @Test("pools are listed, created for RBD and deleted as ceph osd pool ls shows")
    func poolLifecycle() async throws {
        try await APITestHarness().run { harness in
            let name = "api-\(UUID().uuidString.prefix(8).lowercased())"
            try await harness.test { client in
                let created = try await client.call(.post, "/v1/pool?name=\(name)")
                #expect(created.status == .created)
                #expect(try await poolNames(harness).contains(name))
                #expect(try await harness.dev.ceph("osd", "pool", "application", "get", name).contains("rbd"))

                // Other tests create and delete pools meanwhile: the answer must hold every pool that
                // existed both before and after it.
                let before = Set(try await poolNames(harness))
                let listed = try await client.call(.get, "/v1/pool")
                let after = Set(try await poolNames(harness))
                let entries = try #require(listed.json["pools"] as? [[String: Any]])
                let pools = Set(entries.compactMap { $0["name"] as? String })
                #expect(pools.isSuperset(of: before.intersection(after)))
                // The new pool's id and applications as Ceph itself reports them.
                let entry = try #require(entries.first { $0["name"] as? String == name })
                let detail = try JSONSerialization.jsonObject(with: Data(try await harness.dev.ceph("osd", "pool", "ls", "detail", "--format", "json").utf8)) as? [[String: Any]]
                let cephPool = try #require(detail?.first { $0["pool_name"] as? String == name })
                #expect((entry["id"] as? NSNumber)?.int64Value == (cephPool["pool_id"] as? NSNumber)?.int64Value)
                #expect(entry["applications"] as? [String] == ((cephPool["application_metadata"] as? [String: Any])?.keys.sorted() ?? []))

                let again = try await client.call(.post, "/v1/pool?name=\(name)")
                #expect(again.status == .conflict)
                #expect(again.error == "already_exists")

                try await harness.dev.rbd("create", "--size", "1M", "\(name)/keep")
                let notEmpty = try await client.call(.delete, "/v1/pool?name=\(name)")
                #expect(notEmpty.status == .conflict)
                #expect(notEmpty.error == "not_empty")
                #expect(try await poolNames(harness).contains(name), "a refused delete changes nothing")

                let deleted = try await client.call(.delete, "/v1/pool?name=\(name)&force=true")
                #expect(deleted.status == .ok)
                #expect(!(try await poolNames(harness).contains(name)))

                let missing = try await client.call(.delete, "/v1/pool?name=\(name)")
                #expect(missing.status == .notFound)
            }
        }
    }

    @Test("bad pool names are refused with 400 before Ceph sees them", arguments: ["", "a/b", "a@b", "..", "tab%09name", String(repeating: "x", count: 256)])
    func badNames(name: String) async throws {
        try await APITestHarness().run { harness in
            try await harness.test { client in
                let response = try await client.call(.post, "/v1/pool?name=\(name.contains("%") ? name : q(name))")
                #expect(response.status == .badRequest)
                #expect(response.error == "bad_parameter")
            }
            #expect(!(try await poolNames(harness).contains(name)))
        }
    }

    @Test("pool deletion stays off unless the config allows it")
    func poolDeleteDisabled() async throws {
        try await APITestHarness(allowPoolDelete: false).run { harness in
            try await harness.dev.withPool("keep") { pool in
                try await harness.test { client in
                    let response = try await client.call(.delete, "/v1/pool?name=\(pool)&force=true")
                    #expect(response.status == .forbidden)
                    #expect(response.error == "pool_delete_disabled")
                }
                #expect(try await poolNames(harness).contains(pool))
            }
        }
    }

    @Test("without credentials nothing changes: 401 when some are configured, 403 when none are")
    func credentialsGuardChanges() async throws {
        let name = "api-noauth-\(UUID().uuidString.prefix(8).lowercased())"
        try await APITestHarness().run { guarded in
            try await guarded.test { client in
                #expect(try await client.call(.post, "/v1/pool?name=\(name)", headers: [:]).status == .unauthorized)
                let wrongToken = try await client.call(.post, "/v1/pool?name=\(name)", headers: [.authorization: "Bearer wrong"])
                #expect(wrongToken.error == "bad_credentials")
                #expect(try await client.call(.get, "/v1/pool", headers: [:]).status == .unauthorized, "reads are closed by default")
                let basic = "Basic " + Data("alice:\(APITestHarness.password)".utf8).base64EncodedString()
                #expect(try await client.call(.get, "/v1/pool", headers: [.authorization: basic]).status == .ok)
                let wrongUser = "Basic " + Data("alice:nope".utf8).base64EncodedString()
                #expect(try await client.call(.get, "/v1/pool", headers: [.authorization: wrongUser]).status == .unauthorized)
            }
            try await APITestHarness(readOpen: true, credentials: false).run { closed in
                try await closed.test { client in
                    let response = try await client.call(.post, "/v1/pool?name=\(name)", headers: [:])
                    #expect(response.status == .forbidden)
                    #expect(response.error == "api_closed")
                    #expect(try await client.call(.get, "/v1/pool", headers: [:]).status == .ok, "api.read_open opens reads")
                }
                #expect(!(try await poolNames(guarded).contains(name)))
            }
        }
    }

    @Test("pool usage answers from the latest scan")
    func poolUsageFromScan() async throws {
        try await APITestHarness().run { harness in
            try await harness.dev.withPool("usage") { pool in
                try await harness.dev.rbd("create", "--size", "64M", "\(pool)/a")
                try await harness.dev.write("\(pool)/a", ioSize: "4K", total: "16K")
                try await harness.test { client in
                    let beforeScan = try await client.call(.get, "/v1/pool/usage?name=\(pool)")
                    #expect(beforeScan.status == .notFound)
                }
                try await harness.dev.withConnection { cluster in
                    harness.state.apply(await Metering.Scanner(cluster: cluster, options: .init(pools: [pool])).scan())
                    try await harness.test { client in
                        let usage = try await client.call(.get, "/v1/pool/usage?name=\(pool)")
                        #expect(usage.status == .ok)
                        let totals = try #require(usage.json["totals"] as? [String: Any])
                        let du = try #require(try await harness.dev.du("\(pool)/a", exact: true).first)
                        #expect(du.used_size > 0)
                        #expect((totals["used_bytes"] as? NSNumber)?.uint64Value == du.used_size, "a JSON number equal to rbd du --exact")
                        #expect((totals["provisioned_bytes"] as? NSNumber)?.uint64Value == du.provisioned_size)
                        #expect((totals["images"] as? NSNumber)?.intValue == 1)
                    }
                }
            }
        }
    }
}
