import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /openapi.json`: the OpenAPI 3 document of the whole API, kept in the repository at
/// `Sources/Server/Resources/openapi.json` and served as it is.
struct OpenAPIController {
    /// The document was not installed with the binary: a broken installation, not something to
    /// serve around.
    struct MissingDocument: Error, CustomStringConvertible {
        var searched: [String]
        var description: String {
            "the OpenAPI document is missing: the folder \(OpenAPIController.bundleName) must be installed next to the rbd-meter binary (looked for \(searched.joined(separator: ", ")))"
        }
    }

    /// SwiftPM's resource bundle of this target: `PACKAGE_TARGET.resources`.
    static let bundleName = "rbd-meter_Server.resources"

    let document: ByteBuffer

    /// Reads the document from the resource bundle next to the executable. SwiftPM's own
    /// `Bundle.module` looks there too, but stops the process when it is not found.
    init() throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let candidates = [executable.deletingLastPathComponent(), Bundle.main.bundleURL].map {
            $0.appendingPathComponent(Self.bundleName).appendingPathComponent("openapi.json")
        }
        guard let found = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0.path) }) else {
            throw MissingDocument(searched: candidates.map(\.path))
        }
        document = ByteBuffer(bytes: try Data(contentsOf: found))
    }

    func addRoutes(to router: Router<MeterRequestContext>) {
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: self.document))
        }
    }
}
