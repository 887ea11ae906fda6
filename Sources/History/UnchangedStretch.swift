/// An image's newest stretch of observations with the same numbers and watchers: what tells an idle
/// image.
public struct UnchangedStretch: Sendable, Equatable {
    /// When the stretch began, in seconds since the epoch.
    public var since: Double
    /// Clients that had the image open; `nil` where the history did not record them.
    public var watchers: Int64?
    public var totalUsedBytes: Double

    public init(since: Double, watchers: Int64?, totalUsedBytes: Double) {
        self.since = since
        self.watchers = watchers
        self.totalUsedBytes = totalUsedBytes
    }
}
