// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "rbd-meter",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rbd-meter", targets: ["rbd-meter"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
    ],
    targets: [
        // The C headers of librados and librbd; Debian ships them without pkg-config files.
        .systemLibrary(
            name: "CRBD",
            providers: [.apt(["librbd-dev", "librados-dev"])]
        ),
        // The typed binding: the only place that sees C pointers and errno.
        .target(
            name: "RBD",
            dependencies: [
                "CRBD",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What "usage" means and how a scan measures it.
        .target(
            name: "Metering",
            dependencies: [
                "RBD",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "rbd-meter",
            dependencies: [
                "RBD",
                "Metering",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Starts (or reuses) the dev Ceph cluster that the real-cluster tests run against.
        .target(
            name: "DevCluster",
            dependencies: ["RBD"],
            path: "Tests/DevCluster"
        ),
        .testTarget(
            name: "RBDTests",
            dependencies: ["RBD", "DevCluster"]
        ),
        .testTarget(
            name: "MeteringTests",
            dependencies: ["Metering", "RBD", "DevCluster"]
        ),
        .testTarget(
            name: "RBDMeterCLITests",
            dependencies: ["rbd-meter", "DevCluster"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
