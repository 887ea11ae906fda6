import Config
import Foundation
import TestSupport
import Testing

/// Random damage to the example config: every variant either loads or fails with a ConfigError that
/// names the file and, for a bad value, the key; none crashes.
@Suite("Config fuzzing")
struct ConfigFuzzTests {
    static func example() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: ExampleConfigTests.root.appendingPathComponent("config.json")))
    }

    static func randomValue(_ random: inout SplitMix) -> Any {
        switch Int.random(in: 0..<12, using: &random) {
        case 0: return NSNull()
        case 1: return Bool.random(using: &random)
        case 2: return Int.random(in: -1_000_000...1_000_000, using: &random)
        case 3: return [Int.min, Int.max, 0, -1, 65_536][Int.random(in: 0..<5, using: &random)]
        case 4: return Double.random(in: -1e12...1e12, using: &random)
        case 5: return ""
        case 6: return String(repeating: "x", count: Int.random(in: 1...5000, using: &random))
        case 7: return ["0/0", "1/1", "-1/2", "a/b", "300PiB", "1e3", "::", "[::1]:99999", "ünï", "\u{0}"][Int.random(in: 0..<10, using: &random)]
        case 8: return [1, "two", NSNull()]
        case 9: return ["nested": ["deeper": true]]
        case 10: return [] as [Any]
        default: return ["name": "x", "scope": "pool", "limit": -5]
        }
    }

    /// Replaces, removes or adds one key somewhere in the tree.
    static func mutate(_ value: Any, _ random: inout SplitMix, depth: Int = 0) -> Any {
        if var object = value as? [String: Any], !object.isEmpty {
            let key = object.keys.sorted()[Int.random(in: 0..<object.count, using: &random)]
            switch Int.random(in: 0..<5, using: &random) {
            case 0: object[key] = randomValue(&random)
            case 1: object.removeValue(forKey: key)
            case 2: object[key + "_typo"] = object[key]
            default: object[key] = mutate(object[key]!, &random, depth: depth + 1)
            }
            return object
        }
        if var list = value as? [Any], !list.isEmpty {
            let index = Int.random(in: 0..<list.count, using: &random)
            list[index] = mutate(list[index], &random, depth: depth + 1)
            return list
        }
        return randomValue(&random)
    }

    @Test("a thousand damaged configs load or fail with a message naming the file and the key", arguments: [1, 2, 3, 4])
    func damagedConfigsFailCleanly(seed: UInt64) throws {
        var random = SplitMix(seed: seed)
        let example = try Self.example()
        var failures = 0
        for _ in 0..<250 {
            var tree = example
            for _ in 0..<Int.random(in: 1...4, using: &random) { tree = Self.mutate(tree, &random) }
            guard let data = try? JSONSerialization.data(withJSONObject: tree, options: [.fragmentsAllowed]) else { continue }
            do {
                _ = try RBDMeterConfig.parse(data, file: "fuzz.json")
            } catch {
                failures += 1
                #expect(error.description.hasPrefix("fuzz.json: "))
                #expect(!error.message.isEmpty)
                #expect(!error.description.contains("\n"), "one line: \(error.description)")
            }
        }
        #expect(failures > 100, "the fuzzing mostly produced bad configs")
    }
}
