/// An answer of `/api/v1/query` or `/api/v1/query_range`:
/// `{"status": "success", "data": {"resultType": "matrix", "result": [...]}, "warnings": [...]}`.
struct PrometheusResponse: Decodable {
    var status: String
    var data: ResultData?
    var errorType: String?
    var error: String?
    var warnings: [String]?

    struct ResultData: Decodable {
        var resultType: String
        var result: [Series]
    }

    /// One series: its labels, and its samples (`values` in a matrix, `value` in a vector).
    struct Series: Decodable {
        var metric: [String: String]
        var values: [Sample]?
        var value: Sample?

        /// The samples, whichever kind of result held them.
        var samples: [Sample] { values ?? value.map { [$0] } ?? [] }
    }

    /// `[1700000000.123, "42"]`: the time in seconds, the value as a string.
    struct Sample: Decodable {
        var time: Double
        var value: Double

        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            time = try container.decode(Double.self)
            let text = try container.decode(String.self)
            guard let number = Double(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a number: \(text)")
            }
            value = number
        }
    }
}
