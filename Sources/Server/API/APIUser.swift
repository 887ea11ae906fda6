import HummingbirdBasicAuth

/// Who made an API request, once a credential was accepted.
public struct APIUser: PasswordAuthenticatable, Sendable, Equatable {
    /// The credential's configured name, for the log.
    public var name: String
    /// The bcrypt hash a basic-auth password is checked against.
    public var passwordHash: String?
    /// A stand-in for a user name nobody configured: its password is checked against a hash as
    /// dear as a real one, so that answering does not reveal which names exist. It never passes.
    var isDecoy = false
}
