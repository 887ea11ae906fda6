import Foundation
import HTTPTypes
import History
import Hummingbird
import Metering
import RBD

/// `/v1/image`: list, create, resize and delete images; an image's details, live allocation and history.
struct ImageController {
    let ceph: CephAccess
    let state: MeterState
    let history: HistoryStore?
    let settings: APISettings

    /// How far back `/v1/image/history` looks without `since`.
    static let defaultHistoryDays: Double = 7

    func addRoutes(to group: RouterGroup<MeterRequestContext>) {
        group.get("image") { request, context in try await self.list(request, context) }
        group.post("image") { request, context in try await self.create(request, context) }
        group.delete("image") { request, context in try await self.delete(request, context) }
        group.get("image/allocation") { request, context in try await self.allocation(request, context) }
        group.get("image/info") { request, context in try await self.info(request, context) }
        group.put("image/size") { request, context in try await self.resize(request, context) }
        group.get("image/history") { request, context in try await self.history(request, context) }
    }

    /// The pool, namespace and image a request names.
    private struct Target {
        var pool: String
        var namespace: String
        var image: String
    }

    private func target(_ parameters: APIParameters) throws -> Target {
        Target(pool: try parameters.name("poolName")!, namespace: try parameters.namespace(), image: try parameters.name("imageName")!)
    }

    private struct ImageList: Encodable {
        struct Image: Encodable {
            var name: String
            var id: String
        }
        var pool: String
        var namespace: String
        var images: [Image]
    }

    func list(_ request: Request, _ context: MeterRequestContext) async throws -> Response {
        let parameters = try await APIParameters.from(request, context: context)
        let pool = try parameters.name("poolName")!
        let namespace = try parameters.namespace()
        let images = try await ceph.run(pool: pool, namespace: namespace) { try await $0.images() }
        return try JSONBody.response(.ok, ImageList(
            pool: pool, namespace: namespace,
            images: images.sorted { $0.name < $1.name }.map { .init(name: $0.name, id: $0.id) }))
    }

    func create(_ request: Request, _ context: MeterRequestContext) async throws -> Response {
        let parameters = try await APIParameters.from(request, context: context)
        let target = try target(parameters)
        let size = try parameters.size("size", limit: settings.maxImageSizeBytes)
        var options = ImageCreateOptions()
        if let names = parameters.optional("features") {
            var features: ImageFeatures = []
            for name in names.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard let feature = ImageFeatures(name: name) else {
                    throw APIError.badParameter("features", "unknown feature '\(name.prefix(40))'")
                }
                features.insert(feature)
            }
            options.features = features
        }
        try await ceph.run(pool: target.pool, namespace: target.namespace) { context in
            try await context.createImage(target.image, size: size, options: options)
        }
        return try JSONBody.response(.created, Created(pool: target.pool, namespace: target.namespace, image: target.image, size: size))
    }

    private struct Created: Encodable {
        var pool: String
        var namespace: String
        var image: String
        var size: UInt64
    }

    func delete(_ request: Request, _ context: MeterRequestContext) async throws -> Response {
        let parameters = try await APIParameters.from(request, context: context)
        let target = try target(parameters)
        let force = try parameters.flag("force")
        try await ceph.run(pool: target.pool, namespace: target.namespace) { context in
            // Look first, change nothing until every check passed. A read-only handle adds no watcher.
            let (watchers, snapshots) = try await context.withImage(target.image) { image in
                (try image.watchers(), try image.snapshots())
            }
            if !watchers.isEmpty {
                throw APIError(.conflict, "in_use", "image \(context.spec(image: target.image)) is open by \(watchers.count) client(s) (\(watchers.map(\.address).joined(separator: ", "))); it is never deleted while in use")
            }
            if !snapshots.isEmpty {
                guard force else {
                    throw APIError(.conflict, "has_snapshots", "image \(context.spec(image: target.image)) has \(snapshots.count) snapshot(s); add force=true to delete them with it")
                }
                for snapshot in snapshots {
                    let children = try await context.withImage(target.image, snapshot: snapshot.name) { try $0.children() }
                    if !children.isEmpty {
                        throw APIError(.conflict, "has_clones", "snapshot \(context.spec(image: target.image, snapshot: snapshot.name)) has clones (\(children.joined(separator: ", "))); flatten or delete them first")
                    }
                }
                try await context.withImage(target.image, readOnly: false) { image in
                    for snapshot in snapshots where snapshot.namespace == .user {
                        try image.removeSnapshot(snapshot.name, unprotect: true)
                    }
                }
            }
            try await context.removeImage(target.image)
        }
        return try JSONBody.response(.ok, ["deleted": "\(target.pool)/\(target.namespace.isEmpty ? "" : target.namespace + "/")\(target.image)"])
    }

    private struct Allocation: Encodable {
        var pool: String
        var namespace: String
        var image: String
        var provisionedBytes: UInt64
        var usedBytes: UInt64
        var totalUsedBytes: UInt64
        var mode: String
        var computedAt: String
        var cached: Bool
    }

    func allocation(_ request: Request, _ context: MeterRequestContext) async throws -> Response {
        let parameters = try await APIParameters.from(request, context: context)
        let target = try target(parameters)
        let mode: UsageMode
        if let text = parameters.optional("mode") {
            guard let parsed = UsageMode(rawValue: text) else { throw APIError.badParameter("mode", "must be object or exact") }
            mode = parsed
        } else {
            mode = settings.scan.mode
        }
        if try parameters.flag("cached") {
            let snapshot = state.snapshot
            guard let pool = snapshot.pools[target.pool],
                  let usage = pool.images.first(where: { $0.namespace == target.namespace && $0.image == target.image })
            else {
                throw APIError(.notFound, "not_found", "image \(target.pool)/\(target.image) is not in the latest scan")
            }
            return try JSONBody.response(.ok, Allocation(
                pool: usage.pool, namespace: usage.namespace, image: usage.image, provisionedBytes: usage.provisionedBytes,
                usedBytes: usage.usedBytes, totalUsedBytes: usage.totalUsedBytes,
                mode: (snapshot.mode ?? mode).rawValue,
                computedAt: ISO8601DateFormatter().string(from: pool.lastSuccessAt ?? Date()), cached: true))
        }
        let usage = try await ceph.run(pool: target.pool, namespace: target.namespace) { context in
            var options = settings.scan
            options.mode = mode
            return try await Metering.Scanner(cluster: context.cluster, options: options).measure(target.image, in: context)
        }
        return try JSONBody.response(.ok, Allocation(
            pool: usage.pool, namespace: usage.namespace, image: usage.image, provisionedBytes: usage.provisionedBytes,
            usedBytes: usage.usedBytes, totalUsedBytes: usage.totalUsedBytes, mode: mode.rawValue,
            computedAt: ISO8601DateFormatter().string(from: Date()), cached: false))
    }

    private struct Info: Encodable {
        struct Parent: Encodable {
            var pool: String
            var namespace: String
            var image: String
            var snapshot: String
            var overlapBytes: UInt64
        }
        struct Snapshot: Encodable {
            var id: UInt64
            var name: String
            var size: UInt64
            var namespace: String
        }
        struct Watcher: Encodable {
            var address: String
            var id: Int64
            var cookie: UInt64
        }
        var pool: String
        var namespace: String
        var image: String
        var id: String
        var size: UInt64
        var objectSize: UInt64
        var stripeUnit: UInt64
        var stripeCount: UInt64
        var features: [String]
        var objectMapInvalid: Bool
        var blockNamePrefix: String
        var parent: Parent?
        var snapshots: [Snapshot]
        var metadata: VerbatimKeys<String>
        var watchers: [Watcher]
        var createTimestamp: Double
        var modifyTimestamp: Double
    }

    func info(_ request: Request, _ context: MeterRequestContext) async throws -> Response {
        let parameters = try await APIParameters.from(request, context: context)
        let target = try target(parameters)
        let info = try await ceph.run(pool: target.pool, namespace: target.namespace) { context in
            try await context.withImage(target.image) { image in
                let info = try image.info()
                return Info(
                    pool: target.pool, namespace: target.namespace, image: target.image, id: info.id, size: info.size,
                    objectSize: info.objectSize, stripeUnit: info.stripeUnit, stripeCount: info.stripeCount,
                    features: info.features.names,
                    objectMapInvalid: info.flags.contains(.objectMapInvalid) || info.flags.contains(.fastDiffInvalid),
                    blockNamePrefix: info.blockNamePrefix,
                    parent: info.parent.map { .init(pool: $0.pool, namespace: $0.namespace, image: $0.image, snapshot: $0.snapshot, overlapBytes: $0.overlap) },
                    snapshots: try image.snapshots().map { .init(id: $0.id, name: $0.name, size: $0.size, namespace: "\($0.namespace)") },
                    metadata: VerbatimKeys(try image.metadata()),
                    watchers: try image.watchers().map { .init(address: $0.address, id: $0.id, cookie: $0.cookie) },
                    createTimestamp: info.createTimestamp, modifyTimestamp: info.modifyTimestamp)
            }
        }
        return try JSONBody.response(.ok, info)
    }

    func resize(_ request: Request, _ context: MeterRequestContext) async throws -> Response {
        let parameters = try await APIParameters.from(request, context: context)
        let target = try target(parameters)
        let size = try parameters.size("size", limit: settings.maxImageSizeBytes)
        let allowShrink = try parameters.flag("allowShrink")
        let previous = try await ceph.run(pool: target.pool, namespace: target.namespace) { context in
            try await context.withImage(target.image, readOnly: false) { image -> UInt64 in
                let current = try image.info().size
                if size < current && !allowShrink {
                    throw APIError(.conflict, "shrink_refused", "shrinking \(context.spec(image: target.image)) from \(current) to \(size) bytes discards data; add allowShrink=true")
                }
                if size != current { try image.resize(to: size, allowShrink: allowShrink) }
                return current
            }
        }
        return try JSONBody.response(.ok, Resized(
            pool: target.pool, namespace: target.namespace, image: target.image, previousSize: previous, size: size))
    }

    private struct Resized: Encodable {
        var pool: String
        var namespace: String
        var image: String
        var previousSize: UInt64
        var size: UInt64
    }

    func history(_ request: Request, _ context: MeterRequestContext) async throws -> Response {
        let parameters = try await APIParameters.from(request, context: context)
        let target = try target(parameters)
        let since: Date
        if let text = parameters.optional("since") {
            guard let parsed = TimeSpecification.parse(text) else {
                throw APIError.badParameter("since", "must be like 7d, 12h or 2026-11-01, got '\(text.prefix(40))'")
            }
            since = parsed
        } else {
            since = Date().addingTimeInterval(-ImageController.defaultHistoryDays * .day)
        }
        guard let history else {
            throw APIError(.serviceUnavailable, "history_unavailable", "the history database could not be opened; see the daemon's log")
        }
        let location = ImageLocation(pool: target.pool, namespace: target.namespace, image: target.image)
        return try JSONBody.response(.ok, HistoryDocument(location: location, points: try await history.history(of: location, since: since)))
    }
}
