import Exposition
import Glibc

/// How the HTTP server listens and what it shows.
public struct ServerSettings: Sendable {
    /// Every interface, IPv6 and IPv4, by default (``anyHost``): an exporter is scraped from another
    /// host, and on a single-stack IPv6 Kubernetes cluster the kubelet probes the pod's IPv6 address.
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
    /// Every address: `::` takes IPv4 connections too (as `::ffff:a.b.c.d`) while the kernel's
    /// `net.ipv6.bindv6only` is 0, its default.
    public static let anyHost = "::"
    /// Every IPv4 address, where the kernel has no IPv6 (booted with `ipv6.disable=1`).
    public static let anyIPv4Host = "0.0.0.0"

    /// The host to bind: ``anyHost`` falls back to ``anyIPv4Host`` where the kernel has no IPv6 at all.
    public var bindHost: String {
        guard host == Self.anyHost else { return host }
        let probe = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard probe >= 0 else { return Self.anyIPv4Host }
        close(probe)
        return host
    }

    /// `HOST:PORT`, with an IPv6 host in brackets.
    public var listenAddress: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    public init(
        host: String = ServerSettings.anyHost, port: Int = ServerSettings.defaultPort, exposition: ExpositionSettings = .init(),
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
