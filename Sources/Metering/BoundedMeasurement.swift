/// How a bounded run over a pool's images ended.
enum BoundedRunEnd: Sendable, Equatable {
    /// Every item was measured.
    case finished
    /// The deadline passed first.
    case deadline
    /// `receive` asked to stop (a timeout or a cancellation in one image ends the pool).
    case stopped
    /// The scan was cancelled.
    case cancelled
}

/// Measures `items` at most `limit` at a time until `deadline`, handing each result to `receive` as it
/// comes; `receive` returning `false` stops the run. What is still running when the run ends is
/// cancelled. One loop for live and trashed images alike.
func measureBounded<Item: Sendable, Result: Sendable>(
    _ items: [Item], limit: Int, deadline: ContinuousClock.Instant?,
    measure: @escaping @Sendable (Item) async -> Result,
    receive: (Result) -> Bool
) async -> BoundedRunEnd {
    if let deadline, ContinuousClock.now >= deadline { return .deadline }
    return await withTaskGroup(of: BoundedRunEvent<Result>.self) { group in
        defer { group.cancelAll() }
        if let deadline {
            group.addTask {
                do {
                    try await Task.sleep(until: deadline, clock: .continuous)
                    return .deadline
                } catch {
                    return .cancelled
                }
            }
        }
        var next = items.makeIterator()
        var inFlight = 0
        func startNext() {
            guard let item = next.next() else { return }
            inFlight += 1
            group.addTask { .measured(await measure(item)) }
        }
        for _ in 0..<max(limit, 1) { startNext() }
        while inFlight > 0, let event = await group.next() {
            // Whatever ended first, a cancelled scan is a cancelled run.
            if Task.isCancelled { return .cancelled }
            switch event {
            case .deadline:
                return .deadline
            case .cancelled:
                return .cancelled
            case .measured(let result):
                inFlight -= 1
                guard receive(result) else { return .stopped }
                startNext()
            }
        }
        return .finished
    }
}

/// What a child task of a bounded run reports.
private enum BoundedRunEvent<Result: Sendable>: Sendable {
    case measured(Result)
    case deadline
    /// The deadline's sleep was cancelled: the scan is being cancelled (shutdown), which is not a
    /// pool over its time budget.
    case cancelled
}
