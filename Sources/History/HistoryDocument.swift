import Foundation
import Metering

/// An image's history as JSON, the same for `rbd-meter history --format json` and
/// `GET /v1/image/history`.
public struct HistoryDocument: Encodable, Sendable {
    public struct Point: Encodable, Sendable {
        var from: String
        var to: String
        var resolution: String
        var image_id: String
        var provisioned_bytes: Int64
        var used_bytes: Double
        var total_used_bytes: Double
        var used_max_bytes: Int64
        var total_used_max_bytes: Int64
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
                image_id: $0.imageID, provisioned_bytes: $0.provisionedBytes, used_bytes: $0.usedBytes.rounded(),
                total_used_bytes: $0.totalUsedBytes.rounded(), used_max_bytes: $0.usedMaximum, total_used_max_bytes: $0.totalUsedMaximum)
        }
    }
}
