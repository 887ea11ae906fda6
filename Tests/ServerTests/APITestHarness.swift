import DevCluster
import Foundation
import HTTPTypes
import History
import Hummingbird
import HummingbirdTesting
import Metering
import NIOCore
import RBD
@testable import Server

/// The REST API on the real router, against the dev cluster, with a known token and user.
struct APITestHarness {
    static let token = "test-token-0123456789abcdef"
    static let password = "correct horse battery staple"

    let dev: DevCluster
    let state = MeterState()
    var settings: APISettings
    var history: HistoryStore?

    /// - Parameter bcryptCost: the cost of alice's hash; cheap by default, real (12) for timing tests.
    init(readOpen: Bool = false, allowPoolDelete: Bool = true, credentials: Bool = true, history: HistoryStore? = nil, bcryptCost: UInt8 = 4) async throws {
        dev = try await DevCluster.shared()
        settings = APISettings(
            readOpen: readOpen, allowPoolDelete: allowPoolDelete,
            tokens: credentials ? [TokenCredential(name: "tests", sha256: CredentialHasher.digest(hex: CredentialHasher.sha256Hex(Self.token))!)] : [],
            users: credentials ? [UserCredential(name: "alice", bcrypt: CredentialHasher.bcrypt(Self.password, cost: bcryptCost))] : [],
            maxImageSizeBytes: 1 << 50)
        self.history = history
        connector = ClusterConnector(options: dev.connectionOptions(), pool: DevCluster.pool)
    }

    /// The API's own connection, as the daemon gives it.
    let connector: ClusterConnector

    func application() throws -> some ApplicationProtocol {
        let router = try MeterServer.router(state: state, settings: ServerSettings(port: 0), api: (settings, connector), history: history)
        return Application(router: router)
    }

    static var bearer: HTTPFields { [.authorization: "Bearer \(token)"] }

    /// Runs `body` with this harness and closes the API's connection afterwards, whether `body`
    /// throws or not.
    func run<T>(_ body: (APITestHarness) async throws -> T) async throws -> T {
        try await withCleanup { try await body(self) } cleanup: { await connector.close() }
    }

    /// Runs `body` with a client of the in-process router.
    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await application().test(.router) { client in try await body(client) }
    }
}

/// A decoded JSON response.
struct APIResponse {
    var status: HTTPResponse.Status
    var json: [String: Any]

    var error: String? { json["error"] as? String }
}

extension TestClientProtocol {
    /// Sends a request and decodes the JSON answer.
    func call(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = APITestHarness.bearer, body: String? = nil, contentType: String = "application/x-www-form-urlencoded") async throws -> APIResponse {
        var headers = headers
        if body != nil { headers[.contentType] = contentType }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
            return APIResponse(status: response.status, json: object)
        }
    }
}

/// Percent-encodes a query value.
func q(_ value: String) -> String {
    value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? value
}
