/// Sizes written the way Ceph's tools take them: `1073741824`, `1G`, `1GiB`, `1.5T` — binary units.
public enum ByteSize {
    /// Parses a size; `nil` for anything else.
    public static func parse(_ text: String) -> UInt64? {
        let trimmed = text.trimmingSpaces()
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        guard !digits.isEmpty, let number = Double(digits), number >= 0 else { return nil }
        var unit = String(trimmed.dropFirst(digits.count)).trimmingSpaces().uppercased()
        if unit.hasSuffix("IB") { unit.removeLast(2) } else if unit.hasSuffix("B") { unit.removeLast() }
        let exponents: [String: Double] = ["": 0, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5, "E": 6]
        guard let exponent = exponents[unit] else { return nil }
        let bytes = number * pow1024(exponent)
        guard bytes < 1.8e19, bytes == bytes.rounded(.down) || exponent > 0 else { return nil }
        return UInt64(bytes.rounded(.down))
    }

    private static func pow1024(_ exponent: Double) -> Double {
        var result = 1.0
        for _ in 0..<Int(exponent) { result *= 1024 }
        return result
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
