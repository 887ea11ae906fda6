#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif

/// Shell-style include and exclude patterns (`*`, `?`, `[...]`), as `fnmatch(3)` matches them.
public struct GlobFilter: Sendable, Equatable, Codable {
    /// Names must match one of these; empty matches everything.
    public var include: [String]
    /// Names matching one of these are left out, even when included.
    public var exclude: [String]

    public init(include: [String] = [], exclude: [String] = []) {
        self.include = include
        self.exclude = exclude
    }

    /// Everything.
    public static let all = GlobFilter()

    /// Whether `name` is included and not excluded.
    public func matches(_ name: String) -> Bool {
        let included = include.isEmpty || include.contains { Self.match($0, name) }
        return included && !exclude.contains { Self.match($0, name) }
    }

    /// Whether `pattern` matches `name` as a whole.
    public static func match(_ pattern: String, _ name: String) -> Bool {
        fnmatch(pattern, name, 0) == 0
    }
}
