/// The layout of a new image, as `rbd create` takes it; `nil` keeps the cluster's default.
public struct ImageCreateOptions: Sendable, Equatable {
    /// Feature bits; `nil` is `rbd_default_features`.
    public var features: ImageFeatures?
    /// Object size in bytes, a power of two (`--object-size`).
    public var objectSize: UInt64?
    /// Bytes written to one object before moving to the next (`--stripe-unit`).
    public var stripeUnit: UInt64?
    /// Objects a stripe spans (`--stripe-count`).
    public var stripeCount: UInt64?
    /// A separate pool for the data objects (`--data-pool`), e.g. an erasure-coded one.
    public var dataPool: String?

    public init(
        features: ImageFeatures? = nil, objectSize: UInt64? = nil,
        stripeUnit: UInt64? = nil, stripeCount: UInt64? = nil, dataPool: String? = nil
    ) {
        self.features = features
        self.objectSize = objectSize
        self.stripeUnit = stripeUnit
        self.stripeCount = stripeCount
        self.dataPool = dataPool
    }
}
