import HummingbirdAuth
import HummingbirdBasicAuth
import HummingbirdBcrypt

/// The basic-auth users of `api.users`, for hummingbird-auth's `BasicAuthenticator`, which checks the
/// password on a thread pool, off the event loop.
///
/// An unknown name gets a decoy whose hash has the cost of the dearest configured one, so that it
/// costs as much to refuse as a known name with a wrong password: timing does not tell which names
/// exist.
struct ConfiguredUsers: UserPasswordRepository {
    let users: [String: APIUser]
    let decoy: APIUser?

    init(_ credentials: [UserCredential]) {
        users = Dictionary(credentials.map { ($0.name, APIUser(name: $0.name, passwordHash: $0.bcrypt)) }, uniquingKeysWith: { first, _ in first })
        // Without users there is no name to find out; with some, one hash at start-up buys equal timing.
        decoy = credentials.compactMap(\.cost).max().map { cost in
            APIUser(name: "", passwordHash: Bcrypt.hash(CredentialHasher.newToken(), cost: UInt8(cost)), isDecoy: true)
        }
    }

    func getUser(named username: String, context: UserRepositoryContext) async throws -> APIUser? {
        users[username] ?? decoy
    }
}
