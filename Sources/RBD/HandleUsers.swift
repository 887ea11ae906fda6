import Synchronization

/// Who is using a Ceph handle at the moment, so that it is released once none is, and nobody
/// starts on it after its release has begun.
///
/// librados frees what a handle points to when it is released: a call still running on it, or one
/// starting afterwards, would read freed memory. Every call on a handle is counted here, and an
/// explicit close first refuses new calls, then waits for the running ones.
final class HandleUsers: Sendable {
    private struct State {
        var closing = false
        var active = 0
        var drained: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let closing = Mutex<Task<Void, Never>?>(nil)

    /// Counts one more user; fails with `refusal` once closing has begun.
    func enter(_ refusal: @autoclosure () -> RBDError) throws(RBDError) {
        let admitted = state.withLock { state in
            if state.closing { return false }
            state.active += 1
            return true
        }
        if !admitted { throw refusal() }
    }

    /// Counts one user fewer.
    func leave() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.active -= 1
            guard state.closing, state.active == 0 else { return [] }
            defer { state.drained = [] }
            return state.drained
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Runs `body` as one user.
    func use<T>(_ refusal: @autoclosure () -> RBDError, _ body: () throws -> T) throws -> T {
        try enter(refusal())
        defer { leave() }
        return try body()
    }

    /// Refuses new users from now on, waits for the running ones to leave, then runs `release`,
    /// once: a second or concurrent call waits for the same release.
    func close(then release: @escaping @Sendable () async -> Void) async {
        let task = closing.withLock { task -> Task<Void, Never> in
            if let task { return task }
            let started = Task {
                self.state.withLock { $0.closing = true }
                await self.drained()
                await release()
            }
            task = started
            return started
        }
        await task.value
    }

    /// Whether closing has begun.
    var isClosing: Bool { state.withLock { $0.closing } }

    /// Waits until no user is left, once new ones are refused.
    private func drained() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLock { state in
                if state.active == 0 { return true }
                state.drained.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }
}
