/// Rows of text printed either as an aligned table or as CSV (RFC 4180).
public struct TextTable: Sendable {
    public enum Alignment: Sendable { case left, right }

    public var columns: [(title: String, alignment: Alignment)]
    public var rows: [[String]] = []

    public init(_ columns: [(String, Alignment)]) {
        self.columns = columns.map { (title: $0.0, alignment: $0.1) }
    }

    public mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// Columns padded to their widest cell, separated by two spaces, like `rbd du`.
    public var aligned: String {
        var widths = columns.map { $0.title.count }
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: max(widths[index] - cell.count, 0))
                return columns[index].alignment == .left ? cell + pad : pad + cell
            }
            .joined(separator: "  ")
            .replacing(/\s+$/, with: "")
        }
        return ([line(columns.map(\.title))] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// Header and rows as CSV; a cell with a comma, quote or line break is quoted.
    public var csv: String {
        func cell(_ text: String) -> String {
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
            return "\"" + text.replacing("\"", with: "\"\"") + "\""
        }
        let lines = [columns.map { cell($0.title) }] + rows.map { $0.map(cell) }
        return lines.map { $0.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }
}
