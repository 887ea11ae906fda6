import Metering

/// One image (one image id under one name) as Prometheus saw it over a period, its samples folded
/// into runs of unchanged numbers, as the SQLite history keeps them.
struct ObservedImage {
    var pool: String
    var namespace: String
    var name: String
    var imageID: String
    var identity: KubernetesIdentity
    /// The exporter that observed it last: the labels of its series other than the image's own.
    var exporter: String
    var runs: [Run]

    /// Points in a row with the same numbers and watchers, no step missing between them.
    struct Run {
        /// The first and last point's time, in seconds since the epoch.
        var first: Double
        var last: Double
        var provisionedBytes: Double
        var usedBytes: Double
        var totalUsedBytes: Double
        var watchers: Double?

        func hasSameNumbers(as other: Run) -> Bool {
            provisionedBytes == other.provisionedBytes && usedBytes == other.usedBytes && totalUsedBytes == other.totalUsedBytes
                && watchers == other.watchers
        }
    }
}
