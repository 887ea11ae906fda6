import Foundation
import Reports
import Metering

/// `rbd-meter scan` output in its three formats.
struct ScanOutput {
    var report: ScanReport

    func render(_ format: OutputFormat) throws -> String {
        switch format {
        case .table: return table.aligned
        case .csv: return csvTable.csv
        case .json: return try json()
        }
    }

    private var table: TextTable {
        var table = TextTable([
            ("POOL", .left), ("NAMESPACE", .left), ("IMAGE", .left), ("PROVISIONED", .right),
            ("USED", .right), ("TOTAL USED", .right), ("SNAPS", .right), ("METHOD", .left),
        ])
        for image in report.images {
            table.append([
                image.pool, image.namespace, image.image,
                ByteCount.format(image.provisionedBytes), ByteCount.format(image.usedBytes),
                ByteCount.format(image.totalUsedBytes), "\(image.snapshots)", image.method.rawValue,
            ])
        }
        return table
    }

    private var csvTable: TextTable {
        var table = TextTable([
            ("pool", .left), ("namespace", .left), ("image", .left), ("id", .left), ("provisioned_bytes", .left),
            ("used_bytes", .left), ("total_used_bytes", .left), ("snapshots", .left), ("method", .left),
        ])
        for image in report.images {
            table.append([
                image.pool, image.namespace, image.image, image.id, "\(image.provisionedBytes)",
                "\(image.usedBytes)", "\(image.totalUsedBytes)", "\(image.snapshots)", image.method.rawValue,
            ])
        }
        return table
    }

    private struct Document: Encodable {
        struct Failure: Encodable {
            var pool: String
            var namespace: String?
            var image: String?
            var reason: String
            var message: String
        }
        var images: [ImageUsage.Row]
        var mode: String
        var startedAt: String
        var durationSeconds: Double
        var failures: [Failure]
    }

    private func json() throws -> String {
        var failures: [Document.Failure] = []
        for pool in report.pools {
            if let failure = pool.failure {
                failures.append(.init(pool: pool.pool, reason: failure.reason.rawValue, message: failure.message))
            }
            for image in pool.imageFailures {
                failures.append(.init(pool: image.pool, namespace: image.namespace, image: image.image, reason: image.failure.reason.rawValue, message: image.failure.message))
            }
        }
        let document = Document(
            images: report.images.map(\.row),
            mode: report.mode.rawValue,
            startedAt: ISO8601DateFormatter().string(from: report.startedAt),
            durationSeconds: (report.duration * 1000).rounded() / 1000,
            failures: failures
        )
        return try JSONDocument.text(document)
    }
}
