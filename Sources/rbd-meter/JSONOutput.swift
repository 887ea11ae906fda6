import Foundation
import Metering

/// The JSON every command prints: one ``JSONDocument`` and a newline.
enum JSONOutput {
    static func render<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONDocument.encode(value), as: UTF8.self) + "\n"
    }
}
