/// Runs `body` for every element, at most `limit` at a time; the first error cancels the rest.
public func forEachConcurrently<S: Sequence & Sendable>(
    _ items: S, limit: Int, _ body: @escaping @Sendable (S.Element) async throws -> Void
) async throws where S.Element: Sendable {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var iterator = items.makeIterator()
        var running = 0
        while let item = iterator.next() {
            if running >= max(limit, 1) {
                try await group.next()
                running -= 1
            }
            group.addTask { try await body(item) }
            running += 1
        }
        try await group.waitForAll()
    }
}
