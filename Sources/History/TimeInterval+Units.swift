import Foundation

extension TimeInterval {
    /// Seconds in an hour, the resolution of the finer roll-ups.
    public static let hour: TimeInterval = 3600
    /// Seconds in a day, the resolution of the coarser roll-ups and the unit of retention and growth.
    public static let day: TimeInterval = 86400
}
