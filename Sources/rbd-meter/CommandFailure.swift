import ArgumentParser
import Foundation

/// Prints `rbd-meter: MESSAGE` on stderr as the one line a failed command says, and exits.
func fail(_ message: String, code: Int32 = 1) -> ExitCode {
    var stderr = StandardError()
    print("rbd-meter: \(message)", to: &stderr)
    return ExitCode(code)
}

/// Standard error as a `TextOutputStream`.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
