import Foundation
import Metering

/// An image's history as JSON, the same for `rbd-meter history --format json` and
/// `GET /v1/image/history`.
public struct HistoryDocument: Encodable, Sendable {
    public struct Point: Encodable, Sendable {
        var from: String
        var to: String
        var resolution: String
        var imageID: String
        var provisionedBytes: Int64
        var usedBytes: Double
        var totalUsedBytes: Double
        var usedMaxBytes: Int64
        var totalUsedMaxBytes: Int64
    }

    var pool: String
    var namespace: String
    var image: String
    var history: [Point]

    public init(location: ImageLocation, points: [HistoryPoint]) {
        pool = location.pool
        namespace = location.namespace
        image = location.image
        history = points.map {
            Point(
                from: TimeSpecification.format($0.from), to: TimeSpecification.format($0.to), resolution: $0.resolution.rawValue,
                imageID: $0.imageID, provisionedBytes: $0.provisionedBytes, usedBytes: $0.usedBytes.rounded(),
                totalUsedBytes: $0.totalUsedBytes.rounded(), usedMaxBytes: $0.usedMaximum, totalUsedMaxBytes: $0.totalUsedMaximum)
        }
    }
}
