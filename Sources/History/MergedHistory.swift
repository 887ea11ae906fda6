import Foundation
import Metering

/// Several histories read as one: one per shard, each having metered its own share of the images.
///
/// Shards split the images between them, so an image observed in two sources means the sources
/// overlap (the same database given twice, or two exporters metering the same images) and any sum
/// would count it twice: that is an error, never a silent choice of one.
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
                let observed = part.points[ref]?.isEmpty == false
                if observed { try owners.claim(record, by: source.sourceName) }
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
        for source in sources {
            let part = try await source.coverage(from: from, until: until)
            for (ref, record) in part.images {
                if part.spans[ref]?.isEmpty == false { try owners.claim(record, by: source.sourceName) }
                let new = Int64(merged.images.count + 1)
                merged.images[new] = record
                merged.spans[new] = part.spans[ref]
            }
        }
        return merged
    }

    public func history(of location: ImageLocation, since: Date, until: Date) async throws -> [HistoryPoint] {
        var points: [HistoryPoint] = []
        var owners = Owners()
        for source in sources {
            let part = try await source.history(of: location, since: since, until: until)
            for imageID in Set(part.map(\.imageID)) {
                try owners.claim(
                    ImageRecord(id: nil, pool: location.pool, namespace: location.namespace, name: location.image, imageID: imageID),
                    by: source.sourceName)
            }
            points += part
        }
        return points.sorted { $0.from < $1.from }
    }

    /// Which source observed each image.
    private struct Owners {
        var sources: [ImageRecord.Key: String] = [:]

        mutating func claim(_ record: ImageRecord, by source: String) throws {
            if let other = sources[record.key] {
                throw Overlap(image: record, sources: [other, source])
            }
            sources[record.key] = source
        }
    }

    /// An image that two sources both observed in the period.
    public struct Overlap: Error, CustomStringConvertible {
        public var image: ImageRecord
        public var sources: [String]

        public var description: String {
            let name = ImageLocation(pool: image.pool, namespace: image.namespace, image: image.name)
            return "image \(name) (id \(image.imageID)) is in the history of both \(sources[0]) and \(sources[1]): "
                + "the sources overlap (the same database given twice, or two exporters metering the same shard), "
                + "and a merged report would count the image twice"
        }
    }
}
