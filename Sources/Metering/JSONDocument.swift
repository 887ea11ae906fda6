import Foundation

/// How rbd-meter writes JSON for people and tools (`--format json`, the REST API, the report):
/// snake_case keys made from the Swift names, sorted, slashes as they are.
///
/// Keys that are data rather than names (image metadata, a limit's name) are written as they are:
/// such a dictionary is a ``VerbatimKeys``.
public enum JSONDocument {
    /// The one encoder of every JSON document.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .custom { path in
            guard let key = path.last else { return VerbatimKey(stringValue: "") }
            // Foundation's own snake_case strategy would also rewrite the keys of every dictionary.
            if key is VerbatimKey || key.intValue != nil { return key }
            return VerbatimKey(stringValue: snakeCase(key.stringValue))
        }
        return encoder
    }

    /// `value` as one JSON document; fails only on a number JSON cannot hold (infinite or NaN).
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        try encoder().encode(value)
    }

    /// `value` as one JSON document and a newline, as the commands print it and the report writes it.
    public static func text<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encode(value), as: UTF8.self) + "\n"
    }

    /// `totalUsedBytes` → `total_used_bytes`, `imageID` → `image_id`.
    static func snakeCase(_ name: String) -> String {
        let characters = Array(name)
        var result = ""
        for (index, character) in characters.enumerated() {
            guard character.isUppercase else {
                result.append(character)
                continue
            }
            // A word begins at a capital after a small letter or digit, or at an acronym's last
            // capital when a small letter follows (`URLPath` → `url_path`).
            if index > 0 {
                let previous = characters[index - 1]
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && next?.isLowercase == true) {
                    result.append("_")
                }
            }
            result += character.lowercased()
        }
        return result
    }
}

/// A dictionary whose keys are data, written exactly as they are by ``JSONDocument``.
public struct VerbatimKeys<Value: Encodable & Sendable>: Encodable, Sendable {
    public var entries: [String: Value]

    public init(_ entries: [String: Value]) {
        self.entries = entries
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: VerbatimKey.self)
        for (key, value) in entries {
            try container.encode(value, forKey: VerbatimKey(stringValue: key))
        }
    }
}

/// A key written as it is: a ``VerbatimKeys`` entry's, or one ``JSONDocument`` has converted.
struct VerbatimKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
