/// A least-squares line through (time, bytes) points that shrugs off one outlier: after a first
/// fit, the point furthest off the line is dropped when it lies more than three robust standard
/// deviations away (1.4826 × the median absolute residual), and the line is fitted again. One odd
/// scan (a temporary file, a measurement during a migration) then cannot bend a week's trend.
public struct LinearFit: Sendable, Equatable {
    /// Bytes per second.
    public var slope: Double
    /// Bytes at time 0 of the x axis.
    public var intercept: Double
    /// Points the final fit used.
    public var points: Int
    /// Whether a point was dropped as an outlier.
    public var droppedOutlier: Bool

    /// The line's value at `x`.
    public func value(at x: Double) -> Double { intercept + slope * x }

    /// Fits `points`; `nil` for fewer than two distinct x values.
    public static func fit(_ points: [(x: Double, y: Double)]) -> LinearFit? {
        guard var fit = leastSquares(points) else { return nil }
        guard points.count >= 4 else { return fit }
        let residuals = points.map { $0.y - fit.value(at: $0.x) }
        let spread = 1.4826 * median(residuals.map { abs($0 - median(residuals)) })
        guard let worst = residuals.indices.max(by: { abs(residuals[$0]) < abs(residuals[$1]) }) else { return fit }
        let magnitude = max(abs(points.map(\.y).max() ?? 0), 1)
        // A perfect line but for one point has no spread at all: that point is the outlier.
        let tolerance = spread > magnitude * 1e-12 ? 3 * spread : magnitude * 1e-9
        if abs(residuals[worst]) > tolerance {
            var kept = points
            kept.remove(at: worst)
            if let refit = leastSquares(kept) {
                fit = refit
                fit.droppedOutlier = true
            }
        }
        return fit
    }

    private static func leastSquares(_ points: [(x: Double, y: Double)]) -> LinearFit? {
        guard points.count >= 2 else { return nil }
        // Centred on the mean time: epoch seconds squared would lose the slope to rounding.
        let meanX = points.reduce(0) { $0 + $1.x } / Double(points.count)
        let meanY = points.reduce(0) { $0 + $1.y } / Double(points.count)
        var covariance = 0.0
        var variance = 0.0
        for point in points {
            covariance += (point.x - meanX) * (point.y - meanY)
            variance += (point.x - meanX) * (point.x - meanX)
        }
        guard variance > 0 else { return nil }
        let slope = covariance / variance
        return LinearFit(slope: slope, intercept: meanY - slope * meanX, points: points.count, droppedOutlier: false)
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
