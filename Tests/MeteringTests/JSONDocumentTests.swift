import Foundation
@testable import Metering
import Testing

@Suite("JSON documents")
struct JSONDocumentTests {
    struct Sample: Encodable {
        struct Inner: Encodable { var totalUsedBytes: UInt64 }
        var imageID: String
        var provisionedGibHours: Double
        var daysToFull: Double?
        var inner: [Inner]
        var metadata: VerbatimKeys<String>
    }

    @Test("Swift names become snake_case keys, nested and in arrays; keys that are data stay as they are")
    func snakeCaseNamesVerbatimData() throws {
        let sample = Sample(
            imageID: "abc", provisionedGibHours: 1.5, daysToFull: nil, inner: [.init(totalUsedBytes: 7)],
            metadata: VerbatimKeys(["csi.storage.k8s.io/pvc/name": "data-0", "myKey": "x", "conf_rbd_cache": "false"]))
        let text = String(decoding: try JSONDocument.encode(sample), as: UTF8.self)
        #expect(text == #"{"image_id":"abc","inner":[{"total_used_bytes":7}],"metadata":{"conf_rbd_cache":"false","csi.storage.k8s.io/pvc/name":"data-0","myKey":"x"},"provisioned_gib_hours":1.5}"#)
    }

    @Test("acronyms and digits split where a reader expects", arguments: [
        ("usedBytes", "used_bytes"), ("imageID", "image_id"), ("URLPath", "url_path"), ("lastScanAgeSeconds", "last_scan_age_seconds"),
        ("sha256Hex", "sha256_hex"), ("plain", "plain"), ("already_snake", "already_snake"),
    ])
    func snakeCase(name: String, expected: String) {
        #expect(JSONDocument.snakeCase(name) == expected)
    }
}
