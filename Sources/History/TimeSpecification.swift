import Foundation

/// A point in time as the command line takes it: a span back from now (`90s`, `30m`, `12h`, `7d`,
/// `2w`) or a date (`2026-11-01`, `2026-11-01T12:00:00Z`).
public enum TimeSpecification {
    public static func parse(_ text: String, now: Date = Date()) -> Date? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": .hour, "d": .day, "w": 7 * .day]
        if let unit = text.last, let seconds = units[unit], let count = Double(text.dropLast()), count >= 0 {
            return now.addingTimeInterval(-count * seconds)
        }
        let dateOnly = DateFormatter()
        dateOnly.locale = Locale(identifier: "en_US_POSIX")
        dateOnly.timeZone = TimeZone(identifier: "UTC")
        dateOnly.dateFormat = "yyyy-MM-dd"
        if let date = dateOnly.date(from: text) { return date }
        return ISO8601DateFormatter().date(from: text)
    }

    /// `2026-11-25T20:00:00Z`.
    public static func format(_ seconds: Double) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: seconds.rounded()))
    }
}
