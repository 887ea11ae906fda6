import Foundation
import Hummingbird
import NIOCore

/// A request's parameters, from the query string, a form-encoded body or a JSON body, as the
/// original service took them. A parameter given twice (in one place or two) is refused, so that no
/// reader of the request can pick a different value than another.
struct APIParameters: Sendable {
    private var values: [String: String]

    init(_ values: [String: String]) {
        self.values = values
    }

    /// Collects the parameters of `request`; fails with 400 on malformed or duplicated ones.
    static func from(_ request: Request, context: MeterRequestContext) async throws -> APIParameters {
        var values: [String: String] = [:]
        func add(_ name: String, _ value: String) throws {
            guard values[name] == nil else { throw APIError.badParameter(name, "given more than once") }
            values[name] = value
        }
        for (name, value) in try parseForm(request.uri.query ?? "", plusIsSpace: false) {
            try add(name, value)
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: context.maxUploadSize)
        } catch {
            throw APIError(.contentTooLarge, "body_too_large", "the request body is larger than \(context.maxUploadSize) bytes")
        }
        guard body.readableBytes > 0 else { return APIParameters(values) }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard let bytes = body.getBytes(at: body.readerIndex, length: body.readableBytes),
              let text = String(validating: bytes, as: UTF8.self)
        else {
            throw APIError(.badRequest, "bad_body", "the request body is not valid UTF-8")
        }
        if contentType.hasPrefix("application/json") {
            for (name, value) in try parseJSON(text) { try add(name, value) }
        } else if contentType.hasPrefix("application/x-www-form-urlencoded") || contentType.isEmpty {
            for (name, value) in try parseForm(text, plusIsSpace: true) { try add(name, value) }
        } else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "send parameters in the query, as application/x-www-form-urlencoded or as application/json")
        }
        return APIParameters(values)
    }

    static func parseForm(_ text: String, plusIsSpace: Bool) throws -> [(String, String)] {
        var pairs: [(String, String)] = []
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ raw: Substring) throws -> String {
                let spaced = plusIsSpace ? String(raw).replacing("+", with: " ") : String(raw)
                guard let decoded = spaced.removingPercentEncoding else {
                    throw APIError(.badRequest, "bad_encoding", "invalid percent-encoding or UTF-8 in '\(raw.prefix(40))'")
                }
                return decoded
            }
            let name = try decode(pieces[0])
            let value = pieces.count > 1 ? try decode(pieces[1]) : ""
            pairs.append((name, value))
        }
        return pairs
    }

    static func parseJSON(_ text: String) throws -> [(String, String)] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw APIError(.badRequest, "bad_body", "the JSON body must be one object of parameters")
        }
        return try object.map { name, value in
            switch value {
            case let text as String: return (name, text)
            case let flag as Bool: return (name, flag ? "true" : "false")
            case let number as NSNumber: return (name, number.stringValue)
            default: throw APIError.badParameter(name, "must be a string, a number or a boolean")
            }
        }
    }

    // MARK: Typed access

    /// The raw value, `nil` when absent.
    func optional(_ name: String) -> String? { values[name] }

    /// A required value.
    func required(_ name: String) throws -> String {
        guard let value = values[name] else { throw APIError.badParameter(name, "is required") }
        return value
    }

    /// A pool, namespace or image name as Ceph's tools accept it: 1 to 255 bytes of UTF-8 without
    /// control characters, `/` or `@`, and not `.` or `..`.
    func name(_ parameter: String, required: Bool = true) throws -> String? {
        guard let value = values[parameter] else {
            if required { throw APIError.badParameter(parameter, "is required") }
            return nil
        }
        try Self.validateName(value, parameter: parameter)
        return value
    }

    static func validateName(_ value: String, parameter: String) throws {
        guard !value.isEmpty else { throw APIError.badParameter(parameter, "must not be empty") }
        guard value.utf8.count <= 255 else { throw APIError.badParameter(parameter, "must be at most 255 bytes") }
        guard value != ".", value != ".." else { throw APIError.badParameter(parameter, "must not be '.' or '..'") }
        if let bad = value.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7f || $0 == "/" || $0 == "@" }) {
            let shown = bad.value < 0x20 || bad.value == 0x7f ? String(format: "U+%04X", bad.value) : "'\(bad)'"
            throw APIError.badParameter(parameter, "must not contain \(shown)")
        }
    }

    /// A name for a new pool: letters, digits, `.`, `_` and `-`, starting with a letter or digit, at
    /// most 127 characters. Ceph takes more, but its own CLI and other tools stumble over the rest,
    /// and a pool is made to last; existing pools with other names can still be named elsewhere.
    func newPoolName(_ parameter: String) throws -> String {
        let value = try required(parameter)
        guard value.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9._-]{0,126}/) != nil else {
            throw APIError.badParameter(parameter, "a new pool's name must be 1 to 127 letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
        return value
    }

    /// The namespace, "" (the default one) when absent.
    func namespace() throws -> String {
        guard values["namespace"] != nil, values["namespace"] != "" else { return "" }
        return try name("namespace")!
    }

    /// A size in bytes: a whole positive number no larger than `limit`.
    func size(_ name: String, limit: UInt64) throws -> UInt64 {
        let text = try required(name)
        guard !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber), let size = UInt64(text), size > 0 else {
            throw APIError.badParameter(name, "must be a positive whole number of bytes, got '\(text.prefix(40))'")
        }
        guard size <= limit else { throw APIError.badParameter(name, "must be at most \(limit) bytes (api.max_image_size)") }
        return size
    }

    /// `true` or `false`; `default` when absent.
    func flag(_ name: String, default value: Bool = false) throws -> Bool {
        guard let text = values[name] else { return value }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no", "": return false
        default: throw APIError.badParameter(name, "must be true or false, got '\(text.prefix(40))'")
        }
    }
}
