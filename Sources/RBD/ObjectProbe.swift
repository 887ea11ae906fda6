/// What one read of a RADOS object saw: enough to tell that the object changed, without reading it.
public struct ObjectProbe: Sendable, Equatable {
    /// The object's user version; every write to it (data, xattr, omap, a class method that writes)
    /// moves it. Watches and their expiry do not.
    public var version: UInt64
    /// The object's data length in bytes.
    public var size: UInt64
    /// When the object was last modified, in nanoseconds since 1970. Registering a watch moves it too.
    public var modifiedNanoseconds: Int64
    /// Clients that watch the object.
    public var watchers: Int

    public init(version: UInt64, size: UInt64, modifiedNanoseconds: Int64, watchers: Int) {
        self.version = version
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
        self.watchers = watchers
    }
}
