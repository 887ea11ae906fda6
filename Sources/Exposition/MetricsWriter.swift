/// Writes metric families and samples in the Prometheus text format or in OpenMetrics.
public struct MetricsWriter: Sendable {
    public let format: ExpositionFormat
    /// The text written so far.
    public private(set) var text: String = ""

    public init(format: ExpositionFormat, reservingCapacity capacity: Int = 0) {
        self.format = format
        text.reserveCapacity(capacity)
    }

    /// Starts a family: its `# HELP` and `# TYPE` lines.
    public mutating func family(_ family: MetricFamily) {
        let name = declaredName(family)
        text += "# HELP \(name) \(escapeHelp(family.help))\n# TYPE \(name) \(family.kind.rawValue)\n"
    }

    /// One sample; `labelValues` follow the family's label names.
    public mutating func sample(_ family: MetricFamily, _ labelValues: [String] = [], _ value: Double) {
        writeSeries(family, labelValues)
        text += " "
        text += Self.format(value)
        text += "\n"
    }

    /// One sample with an integer value, written exactly (a Double would round bytes above 2^53).
    public mutating func sample(_ family: MetricFamily, _ labelValues: [String] = [], _ value: UInt64) {
        writeSeries(family, labelValues)
        text += " "
        text += String(value)
        text += "\n"
    }

    /// Ends the exposition (`# EOF` in OpenMetrics).
    public mutating func finish() {
        if format == .openMetrics { text += "# EOF\n" }
    }

    private mutating func writeSeries(_ family: MetricFamily, _ labelValues: [String]) {
        precondition(labelValues.count == family.labels.count, "\(family.name) takes \(family.labels.count) labels")
        text += family.name
        guard !labelValues.isEmpty else { return }
        text += "{"
        for (index, name) in family.labels.enumerated() {
            if index > 0 { text += "," }
            text += name
            text += "=\""
            text += Self.escapeLabelValue(labelValues[index])
            text += "\""
        }
        text += "}"
    }

    /// OpenMetrics names a counter family without the `_total` of its samples.
    private func declaredName(_ family: MetricFamily) -> String {
        guard format == .openMetrics, family.kind == .counter else { return family.name }
        return String(family.name.dropLast("_total".count))
    }

    /// Escapes `\`, `"` and line feeds, the three characters a label value may not hold as they are.
    public static func escapeLabelValue(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") }) else {
            return value
        }
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count + 8)
        for character in value.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    private func escapeHelp(_ help: String) -> String {
        help.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
    }

    /// Go's float formatting as Prometheus clients use it: integers without a fraction, `+Inf`, `NaN`.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
