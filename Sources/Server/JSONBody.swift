import Foundation
import Metering
import HTTPTypes
import Hummingbird
import NIOCore

/// JSON responses with an explicit status, for the endpoints that do not go through `Codable` routing.
enum JSONBody {
    /// Encodes `value` as every JSON document of rbd-meter (``JSONDocument``); an encoding failure
    /// (a non-finite number) is thrown, and Hummingbird answers it with a 500, never with an empty
    /// body that looks like success.
    static func response<T: Encodable>(_ status: HTTPResponse.Status, _ value: T) throws -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONDocument.encode(value)))
        )
    }
}
