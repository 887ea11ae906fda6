import Crypto
import Foundation
import Hummingbird
import HummingbirdAuth

/// Accepts `Authorization: Bearer TOKEN` when the token's SHA-256 is one of `api.tokens`.
struct BearerTokenAuthenticator: AuthenticatorMiddleware {
    typealias Context = MeterRequestContext

    let tokens: [TokenCredential]

    func authenticate(request: Request, context: Context) async throws -> APIUser? {
        guard let bearer = request.headers.bearer else { return nil }
        return Self.match(bearer.token.trimmingCharacters(in: .whitespaces), among: tokens).map { APIUser(name: $0) }
    }

    /// The name of the credential whose digest equals the token's. Every configured digest is
    /// compared, always all of them and always every byte, so the time taken says nothing about
    /// how close a guess was.
    static func match(_ token: String, among tokens: [TokenCredential]) -> String? {
        let digest = Array(SHA256.hash(data: Data(token.utf8)))
        var match: String?
        for credential in tokens where constantTimeEqual(digest, credential.sha256) && match == nil {
            match = credential.name
        }
        return match
    }

    /// Whether two byte strings are equal, in a time that depends only on their length.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
