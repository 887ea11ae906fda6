/// How long history is kept at each resolution.
public struct Retention: Sendable, Equatable {
    /// Days raw samples (one per change) are kept.
    public var rawDays: Double
    /// Days hourly roll-ups are kept.
    public var hourlyDays: Double
    /// Days daily roll-ups are kept.
    public var dailyDays: Double

    public init(rawDays: Double = 14, hourlyDays: Double = 90, dailyDays: Double = 730) {
        self.rawDays = rawDays
        self.hourlyDays = hourlyDays
        self.dailyDays = dailyDays
    }
}
