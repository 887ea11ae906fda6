import Foundation
import Metering

/// Several histories read as one: one per shard, each having metered its own share of the images.
///
/// Shards split the images between them, so an image observed by two sources at the same time means
/// the sources overlap (the same database given twice, or two exporters metering the same images)
/// and any sum would count it twice: that is an error, never a silent choice of one. An image seen
/// by one shard and later by another (the number of shards changed) is two stretches of its history.
///
/// One rule decides both: a source observed an image from its first to its last observation in the
/// period. The time a span covers after its last scan (until the next scan was due) belongs to no
/// claim; at a handover it ends where the next source's first observation begins, as it ends at the
/// next sample within one source, so that a handover quicker than one scan interval is no overlap
/// and is not counted twice.
public struct MergedHistory: HistorySource {
    public let sources: [any HistorySource]

    public init(_ sources: [any HistorySource]) {
        self.sources = sources
    }

    public var sourceName: String { sources.map(\.sourceName).joined(separator: ", ") }

    public func extract(from: Date, until: Date) async throws -> HistoryExtract {
        var merged = HistoryExtract(images: [:], points: [:], timelines: [:], lastScan: nil)
        var owners = Owners()
        for source in sources {
            let part = try await source.extract(from: from, until: until)
            for (ref, record) in part.images {
                if let points = part.points[ref], let first = points.first, let last = points.last {
                    try owners.claim(record, first.time..<last.time.nextUp, by: source.sourceName)
                }
                let new = Int64(merged.images.count + 1)
                merged.images[new] = record
                merged.points[new] = part.points[ref]
                merged.timelines[new] = part.timelines[ref]
                merged.latest[new] = part.latest[ref]
            }
            if let last = part.lastScan { merged.lastScan = max(merged.lastScan ?? last, last) }
            merged.trash += part.trash
        }
        return merged
    }

    public func coverage(from: Date, until: Date) async throws -> HistoryCoverage {
        var merged = HistoryCoverage(images: [:], spans: [:])
        var owners = Owners()
        var stretches: [ImageRecord.Key: [Int64]] = [:]
        for source in sources {
            let part = try await source.coverage(from: from, until: until)
            for (ref, record) in part.images {
                if let spans = part.spans[ref], let first = spans.map(\.from).min(), let last = spans.map(\.observedUntil).max() {
                    try owners.claim(record, first..<last.nextUp, by: source.sourceName)
                }
                let new = Int64(merged.images.count + 1)
                merged.images[new] = record
                merged.spans[new] = part.spans[ref]
                stretches[record.key, default: []].append(new)
            }
        }
        // A stretch's tail ends where the image's next stretch begins.
        for refs in stretches.values where refs.count > 1 {
            func start(_ ref: Int64) -> Double { merged.spans[ref]?.map(\.from).min() ?? 0 }
            let ordered = refs.sorted { start($0) < start($1) }
            for (earlier, later) in zip(ordered, ordered.dropFirst()) {
                let next = start(later)
                merged.spans[earlier] = merged.spans[earlier]?.compactMap { span in
                    var clipped = span
                    clipped.to = min(span.to, max(next, span.from))
                    clipped.observedUntil = min(clipped.observedUntil, clipped.to)
                    return clipped.to > clipped.from ? clipped : nil
                }
            }
        }
        return merged
    }

    public func history(of location: ImageLocation, since: Date, until: Date) async throws -> [HistoryPoint] {
        var points: [HistoryPoint] = []
        var owners = Owners()
        for source in sources {
            let part = try await source.history(of: location, since: since, until: until)
            for (imageID, points) in Dictionary(grouping: part, by: \.imageID) {
                try owners.claim(
                    ImageRecord(id: nil, pool: location.pool, namespace: location.namespace, name: location.image, imageID: imageID),
                    points.map(\.from).min()!..<points.map(\.to).max()!.nextUp, by: source.sourceName)
            }
            points += part
        }
        return points.sorted { $0.from < $1.from }
    }

    /// Which sources observed each image, and when.
    private struct Owners {
        var claims: [ImageRecord.Key: [(source: String, time: Range<Double>)]] = [:]

        /// Records that `source` observed the image during `time` (half-open: one source's stretch may
        /// end where another's begins).
        mutating func claim(_ record: ImageRecord, _ time: Range<Double>, by source: String) throws {
            if let other = claims[record.key]?.first(where: { $0.time.overlaps(time) }) {
                throw Overlap(image: record, sources: [other.source, source])
            }
            claims[record.key, default: []].append((source, time))
        }
    }

    /// An image that two sources both observed in the period.
    public struct Overlap: Error, CustomStringConvertible {
        public var image: ImageRecord
        public var sources: [String]

        public var description: String {
            let name = ImageLocation(pool: image.pool, namespace: image.namespace, image: image.name)
            return "image \(name) (id \(image.imageID)) is in the history of both \(sources[0]) and \(sources[1]) at the same time: "
                + "the sources overlap (the same database given twice, or two exporters metering the same shard), "
                + "and a merged report would count the image twice"
        }
    }
}
