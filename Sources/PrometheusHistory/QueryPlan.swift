/// How a period is read from Prometheus: the step between points, and the chunks of time that each
/// query covers so that no query meets the server's limits.
struct QueryPlan: Equatable {
    /// Seconds between points.
    var step: Double
    /// Each chunk's first and last point time, in order; chunks share one grid of `step` and do not
    /// overlap.
    var chunks: [ClosedRange<Double>]

    /// Points a period is read at, at most. A 30-day report of 10,000 images is then read at a
    /// 22-minute step, 100 million samples: finer would multiply what the server sends for
    /// chargeback edges of a few minutes, coarser would blur the gaps.
    static let pointsPerPeriod = 2_000.0
    /// Prometheus refuses a range query of more than 11,000 points per series.
    static let maximumPointsPerQuery = 11_000
    /// Samples one query may return: a tenth of Prometheus' default `--query.max-samples`
    /// (50,000,000), so that the server's other queries keep room, and some 60 MB of JSON.
    static let defaultSamplesPerQuery = 2_000_000
    /// No step below a second: Prometheus stores milliseconds, but scrapes are seconds apart at best.
    static let minimumStep = 1.0

    /// The plan for `from...until` over `series` series (an estimate: the chunks leave room for twice
    /// as many, as images come and go within the period).
    init(from: Double, until: Double, series: Int, samplesPerQuery: Int = defaultSamplesPerQuery) {
        let step = max(Self.minimumStep, ((until - from) / Self.pointsPerPeriod).rounded(.up))
        self.step = step
        let points = Int(((until - from) / step).rounded(.down)) + 1
        let perChunk = max(1, min(Self.maximumPointsPerQuery, samplesPerQuery / max(2 * series, 1)))
        chunks = stride(from: 0, to: points, by: perChunk).map { first in
            (from + Double(first) * step)...(from + Double(min(first + perChunk, points) - 1) * step)
        }
    }
}
