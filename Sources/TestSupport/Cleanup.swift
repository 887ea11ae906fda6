/// Runs `body`, then `cleanup`, whether `body` throws or not: the shape of every `with…` helper
/// that removes what it made.
public func withCleanup<T>(_ body: () async throws -> T, cleanup: () async -> Void) async throws -> T {
    let result: T
    do {
        result = try await body()
    } catch {
        await cleanup()
        throw error
    }
    await cleanup()
    return result
}
