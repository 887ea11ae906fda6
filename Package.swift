// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "rbd-meter",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rbd-meter", targets: ["rbd-meter"]),
        .executable(name: "rbd-meter-bench", targets: ["rbd-meter-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.10.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.4.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.24.0"),
    ],
    targets: [
        // The C headers of librados and librbd; Debian ships them without pkg-config files.
        .systemLibrary(
            name: "CRBD",
            providers: [.apt(["librbd-dev", "librados-dev", "libradospp-dev"])]
        ),
        // What librados has only in C++ (a compound read that lists watchers), behind a C function.
        .target(
            name: "CRBDObjects",
            dependencies: ["CRBD"],
            linkerSettings: [.linkedLibrary("rados")]
        ),
        // The typed binding: the only place that sees C pointers and errno.
        .target(
            name: "RBD",
            dependencies: [
                "CRBD", "CRBDObjects",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What "usage" means, how a scan measures it, and the scheduler that repeats it.
        .target(
            name: "Metering",
            dependencies: [
                "RBD",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The scan history in SQLite.
        .target(
            name: "History",
            dependencies: [
                "Metering",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // Prometheus and OpenMetrics text of a snapshot.
        .target(
            name: "Exposition",
            dependencies: ["Metering"]
        ),
        // The HTTP server: /metrics, health, the REST API.
        .target(
            name: "Server",
            dependencies: [
                "Metering", "History", "Exposition", "RBD",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBasicAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            resources: [.copy("Resources/openapi.json")]
        ),
        // Quotas, forecasts, chargeback and the capacity report.
        .target(
            name: "Reports",
            dependencies: ["Metering", "History", "Exposition"]
        ),
        // The history as a Prometheus-compatible store holds it, read through its HTTP query API: the
        // reports' source across shards. Beside Reports, not below it: it reads Exposition's names.
        .target(
            name: "PrometheusHistory",
            dependencies: [
                "History", "Metering", "Exposition",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // config.json: schema, defaults, validation.
        .target(
            name: "Config",
            dependencies: ["Metering", "History", "Exposition", "Server", "Reports", "PrometheusHistory", "RBD"]
        ),
        .executableTarget(
            name: "rbd-meter",
            dependencies: [
                "RBD", "Metering", "History", "Exposition", "Server", "Reports", "PrometheusHistory", "Config",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What the tests and the benchmark share: child processes spawned, reaped and read without
        // Foundation's Process (whose exit notification is lost now and then under load), wrk's
        // report, and temporary folders that remove themselves.
        .target(name: "TestSupport"),
        // The benchmark behind the README's table: scripts/bench runs it.
        .executableTarget(
            name: "rbd-meter-bench",
            dependencies: [
                "RBD", "Metering", "History", "TestSupport", "DevCluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Starts (or reuses) the dev Ceph cluster that the real-cluster tests run against.
        .target(
            name: "DevCluster",
            dependencies: ["RBD", "TestSupport"],
            path: "Tests/DevCluster"
        ),
        .testTarget(
            name: "RBDTests",
            dependencies: ["RBD", "DevCluster"]
        ),
        .testTarget(
            name: "MeteringTests",
            dependencies: [
                "Metering", "RBD", "DevCluster",
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "HistoryTests",
            dependencies: ["History", "Metering", "TestSupport"]
        ),
        .testTarget(
            name: "ExpositionTests",
            dependencies: ["Exposition", "Metering", "RBD", "TestSupport"],
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Metering", "Exposition", "RBD", "History", "DevCluster",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "ReportsTests",
            dependencies: ["Reports", "History", "Metering", "Exposition", "TestSupport"]
        ),
        .testTarget(
            name: "PrometheusHistoryTests",
            dependencies: ["PrometheusHistory", "History", "Metering", "Reports", "DevCluster", "TestSupport"]
        ),
        .testTarget(
            name: "ConfigTests",
            dependencies: ["Config", "Metering", "TestSupport"]
        ),
        .testTarget(
            name: "RBDMeterCLITests",
            dependencies: ["rbd-meter", "DevCluster", "History", "Metering", "Exposition", "Reports", "PrometheusHistory"]
        ),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
