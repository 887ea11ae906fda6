import Crypto
import Foundation
import HummingbirdBcrypt

/// Makes the stored forms of secrets that `config.json` holds instead of the secrets.
public enum CredentialHasher {
    /// SHA-256 of a token as lowercase hex, as `api.tokens[].sha256` takes it.
    public static func sha256Hex(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The cost `make-credential password` hashes with: about a quarter of a second per check here.
    public static let defaultBcryptCost: UInt8 = 12

    /// A bcrypt hash of a password, as `api.users[].bcrypt` takes it.
    public static func bcrypt(_ password: String, cost: UInt8 = defaultBcryptCost) -> String {
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
