import Foundation
import Metering

extension CapacityReport {
    /// The groups as an aligned table, followed by the top growers and the quotas over threshold.
    public var table: String {
        var text = "Capacity by \(grouping.rawValue), \(TimeFormat.day(since)) to \(TimeFormat.day(generatedAt))\n\n"
        text += groupTable(human: true).aligned
        text += "\nReclaimable: \(ByteCount.format(UInt64(max(trashBytes, 0)))) in the RBD trash (\(trashImages) image\(trashImages == 1 ? "" : "s")), "
            + "freed by `rbd trash rm` or `rbd trash purge`\n"
        if !idleImages.isEmpty {
            var idle = TextTable([("IMAGE", .left), ("TOTAL USED", .right), ("UNCHANGED FOR (DAYS)", .right)])
            for image in idleImages {
                idle.append([image.image, ByteCount.format(UInt64(max(image.totalUsedBytes, 0))),
                             String(format: "%.0f", daysIdle(image))])
            }
            text += "\nIdle images (no watchers, numbers unchanged for \(String(format: "%g", idleDays)) days or more)\n\n" + idle.aligned
        }
        if !topGrowers.isEmpty {
            var growers = TextTable([("IMAGE", .left), ("TOTAL USED", .right), ("GROWTH/DAY", .right), ("DAYS TO FULL", .right)])
            for forecast in topGrowers {
                growers.append([
                    forecast.subjectName, ByteCount.format(UInt64(forecast.totalUsedBytes)), ByteCount.format(UInt64(max(forecast.growthPerDay, 0))),
                    forecast.daysToFull(now: generatedAt.timeIntervalSince1970).map { String(format: "%.1f", $0) } ?? "-",
                ])
            }
            text += "\nTop growers\n\n" + growers.aligned
        }
        if !overQuota.isEmpty {
            var quotas = TextTable([("RULE", .left), ("SUBJECT", .left), ("USED", .right), ("LIMIT", .right), ("RATIO", .right), ("LEVEL", .left)])
            for status in overQuota {
                quotas.append([
                    status.rule.name, status.subject, ByteCount.format(status.usedBytes), ByteCount.format(status.rule.limitBytes),
                    String(format: "%.1f%%", status.ratio * 100), status.level.rawValue,
                ])
            }
            text += "\nOver quota\n\n" + quotas.aligned
        }
        return text
    }

    /// The groups as CSV, with exact byte counts.
    public var csv: String { groupTable(human: false).csv }

    func groupTable(human: Bool) -> TextTable {
        var table = TextTable([
            (human ? grouping.rawValue.uppercased() : grouping.rawValue, .left), (human ? "IMAGES" : "images", .right),
            (human ? "PROVISIONED" : "provisioned_bytes", .right), (human ? "USED" : "used_bytes", .right),
            (human ? "TOTAL USED" : "total_used_bytes", .right), (human ? "GROWTH/DAY" : "growth_bytes_per_day", .right),
            (human ? "DAYS TO FULL" : "days_to_full", .right),
        ])
        func bytes(_ value: Double) -> String { human ? ByteCount.format(UInt64(max(value, 0))) : String(Int64(value.rounded())) }
        for row in groups {
            table.append([
                row.group, String(row.images), bytes(row.provisionedBytes), bytes(row.usedBytes), bytes(row.totalUsedBytes),
                human && row.growthPerDay < 0 ? "-" + ByteCount.format(UInt64(-row.growthPerDay)) : bytes(row.growthPerDay),
                row.daysToFull.map { String(format: human ? "%.1f" : "%.3f", $0) } ?? (human ? "-" : ""),
            ])
        }
        return table
    }

    /// Everything as one JSON object; fails only on a number JSON cannot hold (infinite or NaN).
    public func json() throws -> String {
        struct Document: Encodable {
            struct Group: Encodable {
                var group: String
                var images: Int
                var provisionedBytes: Double
                var usedBytes: Double
                var totalUsedBytes: Double
                var growthBytesPerDay: Double
                var daysToFull: Double?
            }
            struct Grower: Encodable {
                var image: String
                var totalUsedBytes: Double
                var growthBytesPerDay: Double
                var predictedFull: VerbatimKeys<String>
            }
            var generatedAt: String
            var since: String
            var by: String
            var groups: [Group]
            var topGrowers: [Grower]
            var overQuota: [QuotaStatus.Row]
            struct Idle: Encodable {
                var image: String
                var totalUsedBytes: Double
                var unchangedSince: String
            }
            var trashTotalUsedBytes: Double
            var trashImages: Int
            var idleDays: Double
            var idleImages: [Idle]
        }
        let document = Document(
            generatedAt: TimeFormat.iso(generatedAt), since: TimeFormat.iso(since), by: grouping.rawValue,
            groups: groups.map {
                .init(group: $0.group, images: $0.images, provisionedBytes: $0.provisionedBytes.rounded(), usedBytes: $0.usedBytes.rounded(),
                      totalUsedBytes: $0.totalUsedBytes.rounded(), growthBytesPerDay: $0.growthPerDay.rounded(), daysToFull: $0.daysToFull)
            },
            topGrowers: topGrowers.map { forecast in
                .init(image: forecast.subjectName, totalUsedBytes: forecast.totalUsedBytes.rounded(), growthBytesPerDay: forecast.growthPerDay.rounded(),
                      predictedFull: VerbatimKeys(Dictionary(uniqueKeysWithValues: forecast.fullAt.map { ($0.key.rawValue, TimeFormat.iso(Date(timeIntervalSince1970: $0.value))) })))
            },
            overQuota: overQuota.map(\.row),
            trashTotalUsedBytes: trashBytes, trashImages: trashImages, idleDays: idleDays,
            idleImages: idleImages.map {
                .init(image: $0.image, totalUsedBytes: $0.totalUsedBytes, unchangedSince: TimeFormat.iso(Date(timeIntervalSince1970: $0.unchangedSince)))
            })
        return try JSONDocument.text(document)
    }
}

extension Forecast {
    /// `pool/[namespace/]image`, `pool/namespace` or `pool`.
    public var subjectName: String {
        switch subject {
        case .image(let pool, let namespace, let image): namespace.isEmpty ? "\(pool)/\(image)" : "\(pool)/\(namespace)/\(image)"
        case .namespace(let pool, let namespace): namespace.isEmpty ? "\(pool)/" : "\(pool)/\(namespace)"
        case .pool(let pool): pool
        }
    }
}

/// Dates as reports print them.
enum TimeFormat {
    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    static func day(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }
}
