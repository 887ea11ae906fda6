import Foundation
import HTTPTypes
import Hummingbird
import Metering
import RBD

/// `/v1/pool`: list, create and delete pools, and a pool's usage from the latest scan.
struct PoolController {
    let ceph: CephAccess
    let state: MeterState
    let settings: APISettings

    func addRoutes(to group: RouterGroup<MeterRequestContext>) {
        group.get("pool") { request, context in try await self.list(request, context) }
        group.post("pool") { request, context in try await self.create(request, context) }
        group.delete("pool") { request, context in try await self.delete(request, context) }
        group.get("pool/usage") { request, context in try await self.usage(request, context) }
    }

    private struct PoolList: Encodable {
        struct Pool: Encodable {
            var name: String
            var id: Int64
            var applications: [String]
        }
        var pools: [Pool]
    }

    func list(_ request: Request, _ context: MeterRequestContext) async throws -> Response {
        _ = try await APIParameters.from(request, context: context)
        let pools = try await ceph.run { try await $0.pools() }
        return try JSONBody.response(.ok, PoolList(pools: pools.map { .init(name: $0.name, id: $0.id, applications: $0.applications.sorted()) }))
    }

    func create(_ request: Request, _ context: MeterRequestContext) async throws -> Response {
        let parameters = try await APIParameters.from(request, context: context)
        let name = try parameters.newPoolName("name")
        try await ceph.run { try await $0.createPool(name) }
        return try JSONBody.response(.created, ["pool": name])
    }

    func delete(_ request: Request, _ context: MeterRequestContext) async throws -> Response {
        let parameters = try await APIParameters.from(request, context: context)
        let name = try parameters.name("name")!
        let force = try parameters.flag("force")
        guard settings.allowPoolDelete else {
            throw APIError(.forbidden, "pool_delete_disabled", "deleting pools is disabled: set api.allow_pool_delete to true")
        }
        try await ceph.run { cluster in
            let root = try await cluster.ioContext(pool: name)
            if !force {
                var images = try await root.images().count
                for namespace in try await root.namespaces() {
                    images += try await root.inNamespace(namespace).images().count
                }
                if images > 0 {
                    throw APIError(.conflict, "not_empty", "pool \(name) holds \(images) image(s); add force=true to delete them with it")
                }
            }
            try await cluster.deletePool(name)
        }
        return try JSONBody.response(.ok, ["deleted": name])
    }

    private struct Usage: Encodable {
        struct Totals: Encodable {
            var images: Int
            var provisionedBytes: UInt64
            var usedBytes: UInt64
            var totalUsedBytes: UInt64
        }
        var pool: String
        var scannedAt: String?
        var stale: Bool
        var totals: Totals
        var images: [ImageUsage.Row]
    }

    func usage(_ request: Request, _ context: MeterRequestContext) async throws -> Response {
        let parameters = try await APIParameters.from(request, context: context)
        let name = try parameters.name("name")!
        guard let pool = state.snapshot.pools[name] else {
            throw APIError(.notFound, "not_found", "pool \(name) is not in the latest scan")
        }
        let images = pool.images
        let totals = Usage.Totals(
            images: images.count,
            provisionedBytes: images.reduce(0) { $0 + $1.provisionedBytes },
            usedBytes: images.reduce(0) { $0 + $1.usedBytes },
            totalUsedBytes: images.reduce(0) { $0 + $1.totalUsedBytes })
        return try JSONBody.response(.ok, Usage(
            pool: name,
            scannedAt: pool.lastSuccessAt.map { ISO8601DateFormatter().string(from: $0) },
            stale: pool.stale,
            totals: totals,
            images: images.map(\.row)))
    }
}
