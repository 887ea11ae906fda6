import Config
import Foundation
import Testing

/// The example `config.json` at the root of the repository is the configuration's documentation:
/// it must load, show every key, and every key must be described in the README.
@Suite("Example config")
struct ExampleConfigTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Dotted paths of every leaf key of a JSON object (pool_settings' globs shown as `<pool glob>`).
    static func keyPaths(_ value: Any, prefix: String = "") -> Set<String> {
        guard let object = value as? [String: Any] else { return [prefix] }
        var paths: Set<String> = []
        for (key, child) in object {
            let name = prefix == "pool_settings" ? "<pool glob>" : key
            let path = prefix.isEmpty ? name : "\(prefix).\(name)"
            if prefix == "ceph" && key == "options" { paths.insert(path); continue }
            if let list = child as? [Any] {
                paths.insert(path)
                for element in list where element is [String: Any] { paths.formUnion(keyPaths(element, prefix: path + "[]")) }
            } else {
                paths.formUnion(keyPaths(child, prefix: path))
            }
        }
        return paths
    }

    @Test("config.json loads")
    func exampleLoads() throws {
        _ = try RBDMeterConfig.load(path: Self.root.appendingPathComponent("config.json").path)
    }

    @Test("config.json shows every key the effective configuration has")
    func exampleShowsEveryKey() throws {
        let example = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.root.appendingPathComponent("config.json")))
        let effective = try JSONSerialization.jsonObject(with: Data(RBDMeterConfig().effectiveJSON().utf8))
        let missing = Self.keyPaths(effective).subtracting(Self.keyPaths(example))
        #expect(missing.isEmpty, "config.json lacks \(missing.sorted())")
    }

    @Test("docs/configuration.md describes every key of config.json")
    func documentationDescribesEveryKey() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        let example = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.root.appendingPathComponent("config.json")))
        let undocumented = Self.keyPaths(example).filter { !readme.contains("`\($0)`") }
        #expect(undocumented.isEmpty, "docs/configuration.md lacks \(undocumented.sorted())")
    }
}
