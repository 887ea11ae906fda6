import Foundation
import Synchronization

/// Folders under the system's temporary directory that remove themselves: one helper for every test
/// that needs a config file, a database or a cluster folder.
public enum TemporaryFolder {
    /// Creates `PREFIX-RANDOM`, runs `body` with it and removes it afterwards, whatever happens.
    public static func with<T>(_ prefix: String, _ body: (URL) async throws -> T) async throws -> T {
        let folder = try create(prefix)
        defer { try? FileManager.default.removeItem(at: folder) }
        return try await body(folder)
    }

    /// Creates `PREFIX-RANDOM`, removed when the process exits: for helpers whose folder outlives the
    /// call that made it (a daemon's config and database).
    public static func make(_ prefix: String) throws -> URL {
        let folder = try create(prefix)
        made.withLock { made in
            if made.isEmpty { atexit { TemporaryFolder.removeAll() } }
            made.append(folder)
        }
        return folder
    }

    private static let made = Mutex<[URL]>([])

    private static func create(_ prefix: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    private static func removeAll() {
        for folder in made.withLock({ $0 }) { try? FileManager.default.removeItem(at: folder) }
    }
}
