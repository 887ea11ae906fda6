import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process for the tests, spawned with `posix_spawn` and reaped by a thread of its own.
///
/// Foundation's `Process` on Linux learns of exits from a SIGCHLD source that, with many children
/// started from many threads at once, sometimes misses one: `waitUntilExit()` then waits forever on a
/// zombie. Here each child has its own `waitpid`, and its pipes are close-on-exec, so that no other
/// child inherits them and holds them open.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    private let status = Mutex<Int32?>(nil)
    private let exited = DispatchSemaphore(value: 0)
    private let output: Collector
    private let errors: Collector

    /// Starts `executable` (looked up in `PATH` unless it is a path) with `arguments`; what it
    /// writes is collected. `environment` adds to (or overrides) this process's.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], standardInput: Data? = nil) throws {
        func pipe() throws -> (read: Int32, write: Int32) {
            var fds: [Int32] = [0, 0]
            // pipe2(O_CLOEXEC) is not visible from Swift; another spawn between these calls could
            // still inherit the ends, but every spawn of the tests goes through here.
            guard Glibc.pipe(&fds) == 0 else { throw Shell.Failure(command: "pipe", status: errno, output: String(cString: strerror(errno))) }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            return (fds[0], fds[1])
        }
        let input = try pipe(), stdout = try pipe(), stderr = try pipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input.read, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout.write, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr.write, 2)

        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = executable.contains("/")
            ? posix_spawn(&child, executable, &actions, nil, argv, envp)
            : posix_spawnp(&child, executable, &actions, nil, argv, envp)
        close(input.read)
        close(stdout.write)
        close(stderr.write)
        guard result == 0 else {
            close(input.write)
            close(stdout.read)
            close(stderr.read)
            throw Shell.Failure(command: executable, status: result, output: "cannot start: \(String(cString: strerror(result)))")
        }
        let spawned = child
        pid = spawned
        output = Collector(stdout.read)
        errors = Collector(stderr.read)
        if let standardInput {
            standardInput.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(input.write, buffer.baseAddress! + offset, buffer.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
        close(input.write)
        Thread { [self] in
            var raw: Int32 = 0
            while waitpid(spawned, &raw, 0) == -1 && errno == EINTR {}
            // Exited normally: the exit code; killed by a signal: 128 + the signal, as shells say.
            let code = raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
            status.withLock { $0 = code }
            exited.signal()
        }.start()
    }

    /// Whether the child has not exited yet.
    public var isRunning: Bool { status.withLock { $0 == nil } }

    /// The exit status once it exited: the exit code, or 128 + the signal that killed it.
    public var exitStatus: Int32? { status.withLock { $0 } }

    /// Waits until the child exits and its output is read to the end; returns its exit status.
    @discardableResult
    public func wait() -> Int32 {
        exited.wait()
        exited.signal()
        output.waitForEnd()
        errors.waitForEnd()
        return exitStatus!
    }

    /// Waits at most `seconds` for the child to exit; returns its status, `nil` on timeout.
    public func wait(seconds: Double) -> Int32? {
        guard exited.wait(timeout: .now() + seconds) == .success else { return nil }
        exited.signal()
        return exitStatus
    }

    /// Sends `signal` to the child (unless it already exited).
    public func send(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// What the child wrote to standard output and standard error so far.
    public var standardOutput: String { output.text }
    public var standardError: String { errors.text }

    /// The process's peak resident size in bytes (`VmHWM` of `/proc/PID/status`), 0 once it is gone.
    public var peakResidentBytes: Int { statusField("VmHWM") * 1024 }

    /// The process's resident size in bytes now (`VmRSS`), 0 once it is gone.
    public var residentBytes: Int { statusField("VmRSS") * 1024 }

    /// The process's threads now (`Threads`), 0 once it is gone.
    public var threads: Int { statusField("Threads") }

    /// The number in the field `name` of `/proc/PID/status` (kB for sizes), 0 when there is none.
    private func statusField(_ name: String) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("\(name):") }
        return line.flatMap { Int($0.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") } ?? 0
    }

    /// Reads a pipe to its end on a thread of its own.
    final class Collector: Sendable {
        private let buffer = Mutex(Data())
        private let done = DispatchSemaphore(value: 0)

        init(_ descriptor: Int32) {
            Thread { [self] in
                var chunk = [UInt8](repeating: 0, count: 65_536)
                while true {
                    let count = read(descriptor, &chunk, chunk.count)
                    if count > 0 {
                        buffer.withLock { $0.append(contentsOf: chunk[0..<count]) }
                    } else if count == 0 || errno != EINTR {
                        break
                    }
                }
                close(descriptor)
                done.signal()
            }.start()
        }

        func waitForEnd() {
            done.wait()
            done.signal()
        }

        var text: String { String(decoding: buffer.withLock { $0 }, as: UTF8.self) }
    }
}
