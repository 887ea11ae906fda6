import Exposition

/// How the HTTP server listens and what it shows.
public struct ServerSettings: Sendable {
    public var host: String
    /// 0 picks a free port; the bound one is reported through `onListening`.
    public var port: Int
    public var exposition: ExpositionSettings
    /// `/readyz` fails once the latest good scan is older than this.
    public var readinessLimitSeconds: Double
    /// HTTPS instead of HTTP when set.
    public var tls: TLSFiles?

    public init(host: String = "127.0.0.1", port: Int = 9940, exposition: ExpositionSettings = .init(), readinessLimitSeconds: Double = 900, tls: TLSFiles? = nil) {
        self.host = host
        self.port = port
        self.exposition = exposition
        self.readinessLimitSeconds = readinessLimitSeconds
        self.tls = tls
    }
}

/// PEM files of the server's certificate chain and private key.
public struct TLSFiles: Sendable, Equatable {
    public var certificatePath: String
    public var keyPath: String

    public init(certificatePath: String, keyPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }
}
