/// Rows of text printed either as an aligned table or as CSV (RFC 4180).
struct TextTable {
    enum Alignment { case left, right }

    var columns: [(title: String, alignment: Alignment)]
    var rows: [[String]] = []

    init(_ columns: [(String, Alignment)]) {
        self.columns = columns.map { (title: $0.0, alignment: $0.1) }
    }

    mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// Columns padded to their widest cell, separated by two spaces, like `rbd du`.
    var aligned: String {
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
    var csv: String {
        func cell(_ text: String) -> String {
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
            return "\"" + text.replacing("\"", with: "\"\"") + "\""
        }
        let lines = [columns.map { cell($0.title) }] + rows.map { $0.map(cell) }
        return lines.map { $0.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }
}
