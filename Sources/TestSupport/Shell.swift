import Foundation

/// Runs commands for test fixtures and fails loudly, with their output, when they fail.
public enum Shell {
    public struct Failure: Error, CustomStringConvertible {
        public var command: String
        public var status: Int32
        public var output: String
        public var description: String { "\(command) exited with \(status): \(output)" }

        public init(command: String, status: Int32, output: String) {
            self.command = command
            self.status = status
            self.output = output
        }
    }

    /// What a finished command printed and returned.
    public struct Result: Sendable {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
        /// Wall-clock seconds the command took.
        public var seconds: Double
    }

    /// Runs `executable` (looked up in `PATH` unless it is a path) and returns its output; throws when
    /// it exits non-zero.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> String {
        let result = try await execute(executable, arguments, environment: environment)
        guard result.status == 0 else {
            throw Failure(command: ([executable] + arguments).joined(separator: " "), status: result.status, output: result.standardError + result.standardOutput)
        }
        return result.standardOutput
    }

    /// Runs a command and returns its status and output whatever the status.
    ///
    /// The wait happens on a thread of its own: blocking one of the two cooperative threads of a
    /// 2-core machine would stall every other test of the process.
    public static func execute(_ executable: String, _ arguments: [String], environment: [String: String] = [:], standardInput: Data? = nil) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Swift.Result { try executeBlocking(executable, arguments, environment: environment, standardInput: standardInput) })
            }
            thread.start()
        }
    }

    private static func executeBlocking(_ executable: String, _ arguments: [String], environment: [String: String], standardInput: Data?) throws -> Result {
        let started = Date()
        let child = try ChildProcess(executable, arguments, environment: environment, standardInput: standardInput)
        let status = child.wait()
        return Result(status: status, standardOutput: child.standardOutput, standardError: child.standardError, seconds: Date().timeIntervalSince(started))
    }
}
