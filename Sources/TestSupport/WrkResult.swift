/// What a `wrk --latency` run reports: one parser for the load tests and the benchmark, so that both
/// count errors the same way.
public struct WrkResult: Sendable {
    public var requests: Int
    /// Every request that failed: non-2xx/3xx answers, and connect, read, write and timeout errors.
    public var errors: Int
    public var p50Milliseconds: Double
    public var p99Milliseconds: Double
    /// wrk's own text, for messages.
    public var text: String

    public init(parsing output: String) {
        text = output
        requests = output.firstMatch(of: /(\d+) requests in/).flatMap { Int($0.1) } ?? 0
        let non2xx = output.firstMatch(of: /Non-2xx or 3xx responses: (\d+)/).flatMap { Int($0.1) } ?? 0
        let socket = output.firstMatch(of: /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/)
            .map { Int($0.1)! + Int($0.2)! + Int($0.3)! + Int($0.4)! } ?? 0
        errors = non2xx + socket
        p50Milliseconds = Self.latency("50%", in: output)
        p99Milliseconds = Self.latency("99%", in: output)
    }

    /// A percentile of the latency distribution in milliseconds; NaN when wrk printed none.
    static func latency(_ label: String, in output: String) -> Double {
        guard let line = output.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) }),
              let value = line.split(separator: " ", omittingEmptySubsequences: true).last
        else { return .nan }
        if value.hasSuffix("ms") { return Double(value.dropLast(2)) ?? .nan }
        if value.hasSuffix("us") { return (Double(value.dropLast(2)) ?? .nan) / 1000 }
        if value.hasSuffix("s") { return (Double(value.dropLast(1)) ?? .nan) * 1000 }
        return .nan
    }
}
