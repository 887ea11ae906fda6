import DevCluster
import Foundation
import RBD
import Testing

/// The binding against the real dev cluster, checked with the rbd and ceph CLIs.
@Suite("RBD binding")
struct BindingTests {
    @Test("opening a missing image is a typed not-found error naming the image")
    func missingImageIsNotFound() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool { pool in
            try await dev.withConnection { cluster in
                let context = try await cluster.ioContext(pool: pool)
                let error = await #expect(throws: RBDError.self) {
                    try await context.withImage("ghost") { _ in 0 }
                }
                #expect(error?.kind == .notFound)
                #expect(error?.description == "open image \(pool)/ghost: ENOENT (No such file or directory)")
            }
        }
    }

    @Test("pool snapshots are counted: none in an RBD pool, each one made with ceph osd pool mksnap in a plain pool")
    func poolSnapshotsAreCounted() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withConnection { cluster in
            let inRBDPool = try await dev.withPool("rbd-snaps") { pool in
                try await cluster.ioContext(pool: pool).poolSnapshotCount()
            }
            #expect(inRBDPool == 0)
            // A pool nobody initialised for RBD still takes pool snapshots.
            let plain = "plain-snaps-\(UUID().uuidString.prefix(8).lowercased())"
            try await dev.ceph("osd", "pool", "create", plain, "8")
            do {
                try await dev.ceph("osd", "pool", "mksnap", plain, "one")
                try await dev.ceph("osd", "pool", "mksnap", plain, "two")
                #expect(try await cluster.ioContext(pool: plain).poolSnapshotCount() == 2)
                try await dev.deletePool(plain)
            } catch {
                try? await dev.deletePool(plain)
                throw error
            }
        }
    }

    @Test("a missing pool is a typed not-found error")
    func missingPoolIsNotFound() async throws {
        try await (try await DevCluster.shared()).withConnection { cluster in
            let error = await #expect(throws: RBDError.self) {
                try await cluster.ioContext(pool: "no-such-pool")
            }
            #expect(error?.kind == .notFound)
            #expect(error?.errnoName == "ENOENT")
        }
    }

    @Test("pools created and deleted through the binding show in ceph osd pool ls")
    func poolLifecycle() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withConnection { cluster in
            let name = "binding-\(UUID().uuidString.prefix(8).lowercased())"
            try await cluster.createPool(name)
            #expect(try await dev.ceph("osd", "pool", "ls").split(separator: "\n").contains(Substring(name)))
            #expect(try await cluster.rbdPoolNames().contains(name))
            let again = await #expect(throws: RBDError.self) { try await cluster.createPool(name) }
            #expect(again?.kind == .alreadyExists)
            try await cluster.deletePool(name)
            #expect(!(try await dev.ceph("osd", "pool", "ls").split(separator: "\n").contains(Substring(name))))
        }
    }

    @Test("images created, resized and removed through the binding match rbd info")
    func imageLifecycle() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool { pool in
            try await dev.withConnection { cluster in
                let context = try await cluster.ioContext(pool: pool)
                try await context.createImage("made", size: 1 << 30, options: ImageCreateOptions(features: [.layering], objectSize: 1 << 20))
                let info = try await dev.rbd("info", "--format", "json", "\(pool)/made")
                #expect(info.contains("\"size\":1073741824"))
                #expect(info.contains("\"object_size\":1048576"))
                #expect(info.contains("\"features\":[\"layering\"]"))
                let listed = try await context.images().map(\.name)
                #expect(listed == ["made"])

                try await context.withImage("made", readOnly: false) { image in try image.resize(to: 2 << 30, allowShrink: false) }
                let shrink = await #expect(throws: RBDError.self) {
                    try await context.withImage("made", readOnly: false) { image in try image.resize(to: 1 << 20, allowShrink: false) }
                }
                #expect(shrink?.kind == .invalidArgument)
                #expect(try await dev.rbd("info", "--format", "json", "\(pool)/made").contains("\"size\":2147483648"))

                try await context.removeImage("made")
                #expect(try await context.images().isEmpty)
            }
        }
    }

    @Test("image info reports layout, flags, parent, snapshots, metadata and watchers")
    func imageInfo() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool { pool in
            try await dev.rbd("create", "--size", "64M", "--stripe-unit", "64K", "--stripe-count", "2", "\(pool)/base")
            try await dev.rbd("snap", "create", "\(pool)/base@one")
            try await dev.rbd("snap", "protect", "\(pool)/base@one")
            try await dev.rbd("clone", "\(pool)/base@one", "\(pool)/clone")
            try await dev.rbd("image-meta", "set", "\(pool)/clone", "csi.storage.k8s.io/pvc/name", "data-0")
            try await dev.withConnection { cluster in
                let context = try await cluster.ioContext(pool: pool)
                let base = try await context.withImage("base") { image in (try image.info(), try image.snapshots()) }
                #expect(base.0.stripeUnit == 64 << 10)
                #expect(base.0.stripeCount == 2)
                #expect(!base.0.hasPlainLayout)
                #expect(base.0.features.contains(.fastDiff))
                #expect(base.0.hasUsableFastDiff)
                #expect(base.0.blockNamePrefix == "rbd_data.\(base.0.id)")
                #expect(base.1.map(\.name) == ["one"])
                #expect(base.1.first?.namespace == .user)

                let clone = try await context.withImage("clone") { image in (try image.info(), try image.metadata(), try image.watchers()) }
                #expect(clone.0.parent?.description == "\(pool)/base@one")
                #expect(clone.0.parent?.overlap == 64 << 20)
                #expect(clone.1 == ["csi.storage.k8s.io/pvc/name": "data-0"])
                #expect(clone.2.isEmpty, "a read-only open takes no watch")

                let watched = try await context.withImage("clone", readOnly: false) { image in try image.watchers() }
                #expect(watched.count == 1, "our own read-write handle watches the header")
            }
        }
    }

    @Test("header probes see each change librbd makes to an image, and its watchers, without an open")
    func headerProbes() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool { pool in
            try await dev.rbd("create", "--size", "64M", "\(pool)/a")
            try await dev.rbd("create", "--size", "64M", "\(pool)/b")
            try await dev.withConnection { cluster in
                let context = try await cluster.ioContext(pool: pool)
                let ids = try await context.images().sorted { $0.name < $1.name }.map(\.id)
                func probe() async throws -> [Result<ObjectProbe, RBDError>] {
                    try await context.probeHeaders(imageIDs: ids + ["0000deadbeef"], window: 2)
                }

                let first = try await probe()
                #expect(first.count == 3)
                guard case .failure(let missing) = first[2] else {
                    Issue.record("a missing header read as present")
                    return
                }
                #expect(missing.kind == .notFound, "a missing header fails only its own read")
                #expect(try await probe().map { try? $0.get() } == first.map { try? $0.get() }, "nothing changed, nothing moved")

                let changes: [(String, [String])] = [
                    ("resize", ["resize", "--size", "128M", "\(pool)/a"]),
                    ("snapshot", ["snap", "create", "\(pool)/a@one"]),
                    ("metadata", ["image-meta", "set", "\(pool)/a", "csi.storage.k8s.io/pv/name", "pv-a"]),
                    ("snapshot removal", ["snap", "rm", "\(pool)/a@one"]),
                ]
                var before = try first[0].get()
                for (change, arguments) in changes {
                    _ = try await dev.rbd(arguments)
                    let after = try await probe()
                    #expect(try after[0].get().version > before.version, "a \(change) moves the header's version")
                    #expect(try after[1].get() == first[1].get(), "the other image's header is untouched by a \(change)")
                    before = try after[0].get()
                }

                // A read-write handle watches the header as long as it is open, as a mapped device does.
                let watch = try await Watch("b", in: context)
                let watched = try await probe()[1].get()
                let librbd = try await context.withImage("b") { image in try image.watchers().count }
                try await watch.close()
                #expect(watched.watchers == librbd && librbd == 1, "the probe counts the watchers librbd lists")
            }
        }
    }

    @Test("header reads through the rbd class decode what librbd reads for every image shape, and decline what they do not cover")
    func headerReadsMatchLibrbd() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool { pool in
            try await dev.withPool("data") { dataPool in
                try await dev.rbd("namespace", "create", "\(pool)/team")
                try await dev.rbd("create", "--size", "64M", "\(pool)/plain")
                try await dev.rbd("image-meta", "set", "\(pool)/plain", "csi.storage.k8s.io/pv/name", "pv-plain")
                try await dev.rbd("create", "--size", "64M", "--image-feature", "layering", "\(pool)/layering")
                try await dev.write("\(pool)/layering", ioSize: "4K", total: "16K")
                try await dev.rbd("create", "--size", "64M", "--object-size", "1M", "\(pool)/small-objects")
                try await dev.rbd("create", "--size", "64M", "\(pool)/resized")
                try await dev.rbd("resize", "--size", "96M", "\(pool)/resized")
                try await dev.rbd("create", "--size", "64M", "\(pool)/snapped")
                try await dev.rbd("snap", "create", "\(pool)/snapped@one")
                try await dev.rbd("snap", "create", "\(pool)/snapped@two")
                try await dev.rbd("snap", "protect", "\(pool)/snapped@one")
                try await dev.rbd("clone", "\(pool)/snapped@one", "\(pool)/clone")
                try await dev.rbd("create", "--size", "64M", "\(pool)/unsnapped")
                try await dev.rbd("snap", "create", "\(pool)/unsnapped@gone")
                try await dev.rbd("snap", "rm", "\(pool)/unsnapped@gone")
                try await dev.rbd("create", "--size", "64M", "--stripe-unit", "64K", "--stripe-count", "2", "\(pool)/striped")
                try await dev.rbd("create", "--size", "64M", "--data-pool", dataPool, "\(pool)/separate-data")
                try await dev.rbd("create", "--size", "64M", "\(pool)/team/in-namespace")
                try await dev.rbd("create", "--size", "64M", "\(pool)/trashed")
                try await dev.rbd("trash", "mv", "\(pool)/trashed")

                try await dev.withConnection { cluster in
                    for namespace in ["", "team"] {
                        let context = try await cluster.ioContext(pool: pool, namespace: namespace)
                        var images = try await context.images().map { ($0.name, $0.id) }
                        images += try await context.trashImages().map { ($0.name, $0.id) }
                        let headers = try await context.readImageHeaders(imageIDs: images.map(\.1), window: 3)
                        for ((name, id), read) in zip(images, headers) {
                            let header = try read.get()
                            let (info, snapshots, metadata) = try await context.withImage(name, id: id) { image in
                                (try image.info(), try image.snapshots(), try image.metadata())
                            }
                            #expect(header.snapshotIDs.sorted() == snapshots.map(\.id).sorted(), "\(name): snapshot ids")
                            if name == "unsnapped" {
                                #expect(header.snapshotSequence > 0 && header.snapshotIDs.isEmpty, "a removed snapshot stays in the sequence")
                            } else {
                                #expect(header.snapshotSequence == snapshots.map(\.id).max() ?? 0, "\(name): snapshot sequence")
                            }
                            #expect(header.metadata == metadata, "\(name): metadata")
                            #expect(header.metadataComplete)
                            #expect(header.size == info.size && header.features == info.features && header.flags == info.flags, "\(name): size, features, flags")
                            #expect(header.dataPoolID == info.dataPoolID, "\(name): data pool")
                            switch name {
                            case "striped":
                                #expect(header.info == nil, "fancy striping is left to librbd")
                            case "clone":
                                #expect(header.info == nil && header.parentPoolID == context.poolID, "a clone is left to librbd")
                            default:
                                #expect(header.info == info, "\(name): everything librbd's info says")
                            }
                        }
                        #expect(Set(images.map(\.0)) == (namespace.isEmpty
                            ? ["plain", "layering", "small-objects", "resized", "snapped", "clone", "unsnapped", "striped", "separate-data", "trashed"]
                            : ["in-namespace"]))
                    }
                }
            }
        }
    }

    @Test("the diff callback sees extents in order and can stop the iteration")
    func diffCallbackStops() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool { pool in
            try await dev.rbd("create", "--size", "64M", "--image-feature", "layering", "\(pool)/data")
            try await dev.write("\(pool)/data", ioSize: "4M", total: "32M", pattern: "seq")
            try await dev.withConnection { cluster in
                let context = try await cluster.ioContext(pool: pool)
                let all = try await context.withImage("data") { image in
                    var extents: [DiffExtent] = []
                    try image.diffIterate(from: nil, offset: 0, length: 64 << 20, includeParent: false, wholeObject: true) {
                        extents.append($0)
                        return .proceed
                    }
                    return extents
                }
                #expect(all.count == 8)
                #expect(all.map(\.offset) == (0..<8).map { UInt64($0) << 22 })
                let stopped = await #expect(throws: RBDError.self) {
                    try await context.withImage("data") { image in
                        try image.diffIterate(from: nil, offset: 0, length: 64 << 20, includeParent: false, wholeObject: true) { _ in .stop }
                    }
                }
                #expect(stopped?.kind == .cancelled)
            }
        }
    }

    @Test("namespaces are listed without the default one")
    func namespaces() async throws {
        let dev = try await DevCluster.shared()
        try await dev.withPool { pool in
            try await dev.withConnection { cluster in
                let context = try await cluster.ioContext(pool: pool)
                #expect(try await context.namespaces().isEmpty)
                try await context.createNamespace("blue")
                try await dev.rbd("namespace", "create", "--pool", pool, "--namespace", "green")
                #expect(try await context.namespaces().sorted() == ["blue", "green"])
                #expect(try await dev.rbd("namespace", "ls", "--pool", pool).contains("blue"))
                let blue = try await context.inNamespace("blue")
                try await blue.createImage("inside", size: 1 << 20)
                #expect(try await dev.rbd("ls", "\(pool)/blue").trimmingCharacters(in: .whitespacesAndNewlines) == "inside")
                #expect(try await context.images().isEmpty)
            }
        }
    }

    @Test("connecting to a cluster that is not there times out instead of hanging")
    func unreachableClusterTimesOut() async throws {
        let folder = try TemporaryFolder.make("rbd-down")
        let conf = folder.appendingPathComponent("ceph.conf")
        try "[global]\nmon host = v2:127.0.0.1:9\n".write(to: conf, atomically: true, encoding: .utf8)
        let pool = BlockingPool(threads: 1)
        let started = ContinuousClock.now
        let error = await #expect(throws: RBDError.self) {
            try await Cluster.connect(ConnectionOptions(configFile: conf.path, connectTimeout: 2), on: pool)
        }
        #expect(error?.kind == .timedOut)
        // A hang would last librados' default client_mount_timeout of 300 s; the bound leaves room
        // for a runner whose cooperative threads are busy with other tests for seconds at a time.
        #expect(ContinuousClock.now - started < .seconds(30))
        await pool.shutdown()
    }
}
