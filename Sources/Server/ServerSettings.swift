import Exposition

/// How the HTTP server listens and what it shows.
public struct ServerSettings: Sendable {
    /// Every interface by default: an exporter is scraped from another host.
    public var host: String
    /// 0 picks a free port; the bound one is reported through `onListening`.
    public var port: Int
    public var exposition: ExpositionSettings
    /// `/readyz` fails once the latest good scan is older than this many scan intervals.
    public var readinessIntervals: Double
    /// Seconds a graceful shutdown may take before the running scan is abandoned.
    public var shutdownGraceSeconds: Double
    /// HTTPS instead of HTTP when set.
    public var tls: TLSFiles?

    /// The port rbd-meter listens on unless told otherwise.
    public static let defaultPort = 9940

    public init(
        host: String = "0.0.0.0", port: Int = ServerSettings.defaultPort, exposition: ExpositionSettings = .init(),
        readinessIntervals: Double = 3, shutdownGraceSeconds: Double = 30, tls: TLSFiles? = nil
    ) {
        self.host = host
        self.port = port
        self.exposition = exposition
        self.readinessIntervals = readinessIntervals
        self.shutdownGraceSeconds = shutdownGraceSeconds
        self.tls = tls
    }

    /// How old the latest good scan may be before `/readyz` fails.
    public var readinessLimitSeconds: Double { readinessIntervals * exposition.scanIntervalSeconds }
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
