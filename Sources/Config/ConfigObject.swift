/// One JSON object of the config file, read key by key; ``finish()`` rejects the keys nobody read.
struct ConfigObject {
    let file: String
    /// Dotted path of this object, "" for the top level.
    let path: String
    let members: [String: JSONValue]
    private(set) var read: Set<String> = []

    init(file: String, path: String, members: [String: JSONValue]) {
        self.file = file
        self.path = path
        self.members = members
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String, _ message: String) -> ConfigError {
        ConfigError(file: file, key: keyPath(key), message: message)
    }

    private mutating func value(_ key: String) -> JSONValue? {
        read.insert(key)
        guard let value = members[key], value != .null else { return nil }
        return value
    }

    mutating func string(_ key: String, allowEmpty: Bool = false) throws(ConfigError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else { throw error(key, "must be a string, got \(value.quoted)") }
        if !allowEmpty && text.isEmpty { throw error(key, "must not be empty") }
        return text
    }

    mutating func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else { throw error(key, "must be true or false, got \(value.quoted)") }
        return flag
    }

    mutating func integer(_ key: String, in range: ClosedRange<Int64>, what: String = "a whole number") throws(ConfigError) -> Int64? {
        guard let value = value(key) else { return nil }
        guard case .integer(let number) = value else { throw error(key, "must be \(what) from \(range.lowerBound) to \(range.upperBound), got \(value.quoted)") }
        guard range.contains(number) else { throw error(key, "must be \(what) from \(range.lowerBound) to \(range.upperBound), got \(number)") }
        return number
    }

    mutating func number(_ key: String, in range: ClosedRange<Double>, what: String = "a number") throws(ConfigError) -> Double? {
        guard let value = value(key) else { return nil }
        let number: Double
        switch value {
        case .integer(let whole): number = Double(whole)
        case .number(let fraction): number = fraction
        default: throw error(key, "must be \(what) from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound)), got \(value.quoted)")
        }
        guard range.contains(number), number.isFinite else {
            throw error(key, "must be \(what) from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound)), got \(Self.format(number))")
        }
        return number
    }

    /// A size in bytes: a whole number, or a string with a binary unit as Ceph takes it (`500G`, `1.5TiB`).
    mutating func bytes(_ key: String) throws(ConfigError) -> UInt64? {
        guard let value = value(key) else { return nil }
        switch value {
        case .integer(let number) where number > 0:
            return UInt64(number)
        case .string(let text):
            if let bytes = ByteSize.parse(text), bytes > 0 { return bytes }
        default:
            break
        }
        throw error(key, "must be a positive size in bytes, a number or a string such as \"500GiB\", got \(value.quoted)")
    }

    mutating func strings(_ key: String) throws(ConfigError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else { throw error(key, "must be a list of strings, got \(value.quoted)") }
        var strings: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item, !text.isEmpty else {
                throw ConfigError(file: file, key: "\(keyPath(key))[\(index)]", message: "must be a non-empty string, got \(item.quoted)")
            }
            strings.append(text)
        }
        return strings
    }

    mutating func object(_ key: String) throws(ConfigError) -> ConfigObject? {
        guard let value = value(key) else { return nil }
        guard case .object(let members) = value else { throw error(key, "must be an object, got \(value.quoted)") }
        return ConfigObject(file: file, path: keyPath(key), members: members)
    }

    mutating func objects(_ key: String) throws(ConfigError) -> [ConfigObject]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else { throw error(key, "must be a list of objects, got \(value.quoted)") }
        var objects: [ConfigObject] = []
        for (index, item) in items.enumerated() {
            guard case .object(let members) = item else {
                throw ConfigError(file: file, key: "\(keyPath(key))[\(index)]", message: "must be an object, got \(item.quoted)")
            }
            objects.append(ConfigObject(file: file, path: "\(keyPath(key))[\(index)]", members: members))
        }
        return objects
    }

    /// A map from names (or globs) to strings.
    mutating func stringMap(_ key: String) throws(ConfigError) -> [String: String]? {
        guard let object = try object(key) else { return nil }
        var map: [String: String] = [:]
        for (name, value) in object.members {
            guard case .string(let text) = value else {
                throw ConfigError(file: file, key: object.keyPath(name), message: "must be a string, got \(value.quoted)")
            }
            map[name] = text
        }
        return map
    }

    /// Fails on the first key no reader asked for, suggesting the closest known one.
    func finish() throws(ConfigError) {
        for key in members.keys.sorted() where !read.contains(key) {
            var message = "unknown key"
            if let suggestion = read.min(by: { Self.distance($0, key) < Self.distance($1, key) }), Self.distance(suggestion, key) <= 3 {
                message += " (did you mean '\(suggestion)'?)"
            }
            throw ConfigError(file: file, key: keyPath(key), message: message)
        }
    }

    static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }

    /// Levenshtein distance, for "did you mean".
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, cb) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
