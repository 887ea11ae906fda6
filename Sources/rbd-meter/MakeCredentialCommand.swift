import ArgumentParser
import Foundation
import Server

/// `rbd-meter make-credential`: makes a secret and the config entry that lets it in.
struct MakeCredentialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-credential",
        abstract: "Make a bearer token, or hash a password read from stdin, for api.tokens / api.users.",
        discussion: "config.json keeps only the SHA-256 of a token and the bcrypt hash of a password, never the secret."
    )

    enum Kind: String, ExpressibleByArgument {
        case token, password
    }

    @Argument(help: "token: print a new random token; password: hash the password given on stdin.")
    var kind: Kind

    @Option(help: "The name logged for requests made with this credential.")
    var name: String

    func run() throws {
        switch kind {
        case .token:
            let token = CredentialHasher.newToken()
            print("token (give it to the client, it is not stored): \(token)")
            print("add to api.tokens: {\"name\": \"\(name)\", \"sha256\": \"\(CredentialHasher.sha256Hex(token))\"}")
        case .password:
            guard let password = readLine(strippingNewline: true), !password.isEmpty else {
                throw fail("give the password on stdin", code: 2)
            }
            print("add to api.users: {\"name\": \"\(name)\", \"bcrypt\": \"\(CredentialHasher.bcrypt(password))\"}")
        }
    }
}
