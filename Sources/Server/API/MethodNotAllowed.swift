import HTTPTypes
import Hummingbird

/// Answers 405 with an `Allow` header for the methods a path does not take, instead of a bare 404.
enum MethodNotAllowed {
    static let methods: [HTTPRequest.Method] = [.get, .post, .put, .delete, .patch]

    static func add(to group: RouterGroup<MeterRequestContext>, path: String, allowed: [HTTPRequest.Method]) {
        for method in methods where !allowed.contains(method) {
            group.on(RouterPath(stringLiteral: path), method: method) { _, _ -> Response in
                var response = try JSONBody.response(.methodNotAllowed, [
                    "error": "method_not_allowed",
                    "message": "\(method) is not allowed on /v1/\(path); use \(allowed.map(\.rawValue).joined(separator: ", "))",
                ])
                response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
                return response
            }
        }
    }
}
