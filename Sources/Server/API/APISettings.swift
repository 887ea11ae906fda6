import Metering

/// Who may use the REST API and what it may do.
public struct APISettings: Sendable {
    /// Whether `GET /v1/...` answers without credentials. Mutating endpoints always need them.
    public var readOpen: Bool
    /// Whether `DELETE /v1/pool` is allowed at all.
    public var allowPoolDelete: Bool
    /// Bearer tokens, stored as SHA-256 digests.
    public var tokens: [TokenCredential]
    /// Basic-auth users, with bcrypt password hashes.
    public var users: [UserCredential]
    /// The largest image `POST /v1/image` and `PUT /v1/image/size` create.
    public var maxImageSizeBytes: UInt64
    /// The Ceph client the API acts as; `nil`: the metering client. A key of its own lets the
    /// metering side keep a read-only one.
    public var cephIdentity: CephIdentity?
    /// How `GET /v1/image/allocation` measures on demand: the scans' mode unless the request names
    /// one, and their objects per range (the daemon hands over its ``ScanOptions``).
    public var scan = ScanOptions()

    public init(
        readOpen: Bool = false, allowPoolDelete: Bool = false, tokens: [TokenCredential] = [], users: [UserCredential] = [],
        maxImageSizeBytes: UInt64 = 1 << 50, cephIdentity: CephIdentity? = nil
    ) {
        self.readOpen = readOpen
        self.allowPoolDelete = allowPoolDelete
        self.tokens = tokens
        self.users = users
        self.maxImageSizeBytes = maxImageSizeBytes
        self.cephIdentity = cephIdentity
    }

    /// Whether any credential is configured; without one, mutating endpoints answer 403.
    public var hasCredentials: Bool { !tokens.isEmpty || !users.isEmpty }
}

/// A bearer token: its name (for logs) and the SHA-256 digest of the token.
public struct TokenCredential: Sendable, Equatable {
    public var name: String
    public var sha256: [UInt8]

    public init(name: String, sha256: [UInt8]) {
        self.name = name
        self.sha256 = sha256
    }
}

/// A basic-auth user: the name and a bcrypt hash of the password.
public struct UserCredential: Sendable, Equatable {
    public var name: String
    public var bcrypt: String

    public init(name: String, bcrypt: String) {
        self.name = name
        self.bcrypt = bcrypt
    }

    /// Whether `text` looks like a bcrypt hash: `$2a$`, `$2b$` or `$2y$`, a two-digit cost, 53 characters of salt and hash.
    public static func isBcryptHash(_ text: String) -> Bool {
        text.wholeMatch(of: /\$2[aby]\$\d\d\$[.\/A-Za-z0-9]{53}/) != nil
    }

    /// The hash's cost (log2 of its rounds), e.g. 12 for `$2b$12$...`.
    public var cost: Int? {
        guard UserCredential.isBcryptHash(bcrypt) else { return nil }
        return Int(bcrypt.dropFirst(4).prefix(2))
    }
}

/// A Ceph client id and where its key is.
public struct CephIdentity: Sendable, Equatable {
    /// Without `client.`.
    public var clientID: String
    public var keyring: String?
    /// A file holding only the base64 key.
    public var keyFile: String?

    public init(clientID: String, keyring: String? = nil, keyFile: String? = nil) {
        self.clientID = clientID
        self.keyring = keyring
        self.keyFile = keyFile
    }
}
