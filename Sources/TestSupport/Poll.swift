import Foundation

/// Polls `condition` every `interval` until it holds (`true`) or `seconds` pass (`false`): the way
/// a test waits for an event the cluster makes observable only some time later.
public func poll(seconds: Double, every interval: Duration = .milliseconds(200), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return false
}
