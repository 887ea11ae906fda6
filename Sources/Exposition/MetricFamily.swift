/// A metric family's name, type and help text.
public struct MetricFamily: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case gauge, counter
    }

    /// The family's name as Prometheus stores it; a counter's name ends in `_total`.
    public let name: String
    public let kind: Kind
    public let help: String
    /// Label names, in the order samples give their values.
    public let labels: [String]

    public init(_ name: String, _ kind: Kind, labels: [String] = [], help: String) {
        precondition(kind != .counter || name.hasSuffix("_total"), "counter \(name) must end in _total")
        self.name = name
        self.kind = kind
        self.help = help
        self.labels = labels
    }
}
