import Foundation

/// A TCP port on 127.0.0.1 the kernel just handed out and nobody listens on: not a random one,
/// which met a dev cluster's monitor or another test's server now and then.
public func freePort() async throws -> Int {
    let output = try await Shell.run("python3", ["-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
    guard let port = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw CocoaError(.coderInvalidValue) }
    return port
}
