import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /openapi.json`: the OpenAPI 3 document of the whole API, kept in the repository at
/// `Sources/Server/Resources/openapi.json` and served as it is.
struct OpenAPIController {
    /// The document was not packaged with the binary: a broken build, not something to serve around.
    struct MissingDocument: Error, CustomStringConvertible {
        var description: String { "the OpenAPI document openapi.json is missing from the server's resources" }
    }

    let document: ByteBuffer

    /// Reads the document from the module's resources.
    init() throws {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else { throw MissingDocument() }
        document = ByteBuffer(bytes: try Data(contentsOf: url))
    }

    func addRoutes(to router: Router<MeterRequestContext>) {
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: self.document))
        }
    }
}
