import History

/// What a period holds: the images, and when each exporter was up.
struct Observations {
    var images: [ObservedImage]
    /// The point times at which each exporter's `rbd_meter_up` was 1, in order.
    var exporterTimes: [String: [Double]]
    /// How the points were observed: a grid of the query's step.
    var policy: ObservationPolicy
}
