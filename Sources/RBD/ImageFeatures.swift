import CRBD

/// RBD image feature bits (`RBD_FEATURE_*`), named as `rbd info` names them.
public struct ImageFeatures: OptionSet, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let layering = ImageFeatures(rawValue: 1 << 0)
    public static let striping = ImageFeatures(rawValue: 1 << 1)
    public static let exclusiveLock = ImageFeatures(rawValue: 1 << 2)
    public static let objectMap = ImageFeatures(rawValue: 1 << 3)
    public static let fastDiff = ImageFeatures(rawValue: 1 << 4)
    public static let deepFlatten = ImageFeatures(rawValue: 1 << 5)
    public static let journaling = ImageFeatures(rawValue: 1 << 6)
    public static let dataPool = ImageFeatures(rawValue: 1 << 7)
    public static let operations = ImageFeatures(rawValue: 1 << 8)
    public static let migrating = ImageFeatures(rawValue: 1 << 9)
    public static let nonPrimary = ImageFeatures(rawValue: 1 << 10)
    public static let dirtyCache = ImageFeatures(rawValue: 1 << 11)

    /// Every feature this code knows of; an image with others may work in ways it does not understand.
    public static let known = ImageFeatures(rawValue: (1 << 12) - 1)

    /// What `rbd create` gives an image unless told otherwise.
    public static let defaults: ImageFeatures = [.layering, .exclusiveLock, .objectMap, .fastDiff, .deepFlatten]

    private static let names: [(ImageFeatures, String)] = [
        (.layering, "layering"), (.striping, "striping"), (.exclusiveLock, "exclusive-lock"),
        (.objectMap, "object-map"), (.fastDiff, "fast-diff"), (.deepFlatten, "deep-flatten"),
        (.journaling, "journaling"), (.dataPool, "data-pool"), (.operations, "operations"),
        (.migrating, "migrating"), (.nonPrimary, "non-primary"), (.dirtyCache, "dirty-cache"),
    ]

    /// The feature names in bit order, e.g. `["layering", "exclusive-lock"]`.
    public var names: [String] {
        Self.names.filter { contains($0.0) }.map(\.1)
    }

    /// Parses a name as `rbd create --image-feature` takes it; `nil` for an unknown one.
    public init?(name: String) {
        guard let match = Self.names.first(where: { $0.1 == name }) else { return nil }
        self = match.0
    }

    /// The names joined by commas, as `rbd info` prints them.
    public var description: String { names.joined(separator: ",") }
}

/// Per-image flags (`RBD_FLAG_*`): librbd raises them when an object map can no longer be trusted.
public struct ImageFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let objectMapInvalid = ImageFlags(rawValue: UInt64(RBD_FLAG_OBJECT_MAP_INVALID))
    public static let fastDiffInvalid = ImageFlags(rawValue: UInt64(RBD_FLAG_FAST_DIFF_INVALID))
}
