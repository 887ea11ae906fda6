import Crypto
import Foundation
import HummingbirdBcrypt

/// Checks credentials against the configured digests without revealing, by timing, which part
/// of a token was right.
struct Authenticator: Sendable {
    let settings: APISettings

    /// The caller's name when the `Authorization` header holds valid credentials.
    func identity(authorization header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        switch parts[0].lowercased() {
        case "bearer":
            return token(String(parts[1]).trimmingCharacters(in: .whitespaces))
        case "basic":
            guard let decoded = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
                  let text = String(data: decoded, encoding: .utf8),
                  let colon = text.firstIndex(of: ":")
            else { return nil }
            return user(String(text[..<colon]), password: String(text[text.index(after: colon)...]))
        default:
            return nil
        }
    }

    /// Compares the token's digest with every configured digest, always all of them and always
    /// every byte, so the time taken says nothing about how close a guess was.
    func token(_ token: String) -> String? {
        let digest = Array(SHA256.hash(data: Data(token.utf8)))
        var match: String?
        for credential in settings.tokens {
            if Self.constantTimeEqual(digest, credential.sha256) && match == nil {
                match = credential.name
            }
        }
        return match
    }

    func user(_ name: String, password: String) -> String? {
        guard let user = settings.users.first(where: { $0.name == name }) else {
            // Spend the same effort as for a known user, so that timing does not reveal user names.
            _ = Bcrypt.verify(password, hash: Self.dummyHash)
            return nil
        }
        return Bcrypt.verify(password, hash: user.bcrypt) ? user.name : nil
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    private static let dummyHash = Bcrypt.hash("rbd-meter timing equaliser", cost: 10)
}

/// Makes the stored forms of secrets that `config.json` holds instead of the secrets.
public enum CredentialHasher {
    /// SHA-256 of a token as lowercase hex, as `api.tokens[].sha256` takes it.
    public static func sha256Hex(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A bcrypt hash of a password, as `api.users[].bcrypt` takes it.
    public static func bcrypt(_ password: String, cost: UInt8 = 12) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    /// A new random bearer token: 32 bytes from the system's secure generator, hex-encoded.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Parses 64 hex digits into the 32 bytes of a SHA-256 digest.
    public static func digest(hex: String) -> [UInt8]? {
        guard hex.count == 64 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
