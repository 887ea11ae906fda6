import History
import Foundation

/// Small inline SVG charts for the HTML report: no script, no external file.
enum SVGChart {
    static let palette = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563"]

    /// Lines over time with a time axis, a byte axis and a legend.
    static func lines(_ series: [CapacityReport.Series], width: Double = 860, height: Double = 280) -> String {
        let left = 70.0, right = 16.0, top = 12.0, bottom = 30.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let allPoints = series.flatMap(\.points).compactMap { point in point.1.map { (point.0, $0) } }
        guard let minTime = allPoints.map(\.0).min(), let maxTime = allPoints.map(\.0).max(), maxTime > minTime else {
            return "<p class=\"empty\">Not enough history for a chart yet.</p>"
        }
        let maxValue = niceCeiling(allPoints.map(\.1).max() ?? 0)
        func x(_ time: Double) -> Double { left + (time - minTime) / (maxTime - minTime) * plotWidth }
        func y(_ value: Double) -> Double { top + plotHeight - (maxValue > 0 ? value / maxValue * plotHeight : 0) }

        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">"
        for step in 0...4 {
            let value = maxValue * Double(step) / 4
            let position = y(value)
            svg += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(position)\" y2=\"\(position)\" stroke=\"#e5e7eb\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(position + 4)\" text-anchor=\"end\" class=\"axis\">\(HTML.escape(ByteCount.format(UInt64(value))))</text>"
        }
        for step in 0...4 {
            let time = minTime + (maxTime - minTime) * Double(step) / 4
            let anchor = step == 0 ? "start" : step == 4 ? "end" : "middle"
            svg += "<text x=\"\(x(time))\" y=\"\(height - 8)\" text-anchor=\"\(anchor)\" class=\"axis\">\(HTML.escape(axisDate(time, span: maxTime - minTime)))</text>"
        }
        for (index, line) in series.enumerated() {
            // Unobserved stretches break the line instead of drawing it at zero.
            var runs: [[(Double, Double)]] = [[]]
            for point in line.points {
                if let value = point.1 { runs[runs.count - 1].append((point.0, value)) } else if !runs[runs.count - 1].isEmpty { runs.append([]) }
            }
            for run in runs where !run.isEmpty {
                let path = run.map { "\(String(format: "%.1f", x($0.0))),\(String(format: "%.1f", y($0.1)))" }.joined(separator: " ")
                svg += "<polyline fill=\"none\" stroke=\"\(palette[index % palette.count])\" stroke-width=\"2\" points=\"\(path)\"><title>\(HTML.escape(line.name))</title></polyline>"
            }
        }
        svg += "</svg>"
        var legend = "<ul class=\"legend\">"
        for (index, line) in series.enumerated() {
            let latest = line.points.last(where: { $0.1 != nil })?.1.map { ByteCount.format(UInt64(max($0, 0))) } ?? ""
            legend += "<li><span style=\"background:\(palette[index % palette.count])\"></span>\(HTML.escape(line.name)) <em>\(latest)</em></li>"
        }
        return svg + legend + "</ul>"
    }

    /// Horizontal bars, one per row, longest first.
    static func bars(_ rows: [(label: String, value: Double, note: String)], width: Double = 860) -> String {
        guard let maxValue = rows.map(\.value).max(), maxValue > 0 else { return "<p class=\"empty\">Nothing grows.</p>" }
        let rowHeight = 24.0, labelWidth = 330.0
        let height = rowHeight * Double(rows.count) + 8
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">"
        for (index, row) in rows.enumerated() {
            let top = Double(index) * rowHeight + 4
            let length = max(row.value / maxValue * (width - labelWidth - 150), 1)
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(top + 15)\" text-anchor=\"end\" class=\"label\">\(HTML.escape(String(row.label.suffix(48))))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(top + 3)\" width=\"\(String(format: "%.1f", length))\" height=\"\(rowHeight - 8)\" rx=\"3\" fill=\"\(palette[0])\"/>"
            svg += "<text x=\"\(labelWidth + length + 6)\" y=\"\(top + 15)\" class=\"label\">\(HTML.escape(row.note))</text>"
        }
        return svg + "</svg>"
    }

    /// The next 1, 2 or 5 times a power of 1024 or 10 above `value`.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        var unit = 1.0
        while value / unit >= 1024 { unit *= 1024 }
        let scaled = value / unit
        var magnitude = 1.0
        while magnitude * 10 <= scaled { magnitude *= 10 }
        for factor in [1.0, 2.0, 5.0, 10.0] where factor * magnitude >= scaled {
            return factor * magnitude * unit
        }
        return 10 * magnitude * unit
    }

    static func axisDate(_ time: Double, span: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = span > 3 * .day ? "MMM d" : "MMM d HH:mm"
        return formatter.string(from: Date(timeIntervalSince1970: time))
    }
}

/// HTML text escaping.
enum HTML {
    static func escape(_ text: String) -> String {
        text.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;").replacing("\"", with: "&quot;")
    }
}
