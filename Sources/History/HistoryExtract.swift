/// Everything history knows of a period, image by image.
public struct HistoryExtract: Sendable {
    /// The images, by a reference that is unique within this extract only.
    public var images: [Int64: ImageRecord]
    /// Points for fitting and charts: raw samples (their first and last time) where kept, hourly
    /// averages (at the middle of the hour) before.
    public var points: [Int64: [SeriesPoint]]
    /// The scans of the exporter that observed each image, for telling gaps apart from quiet images.
    /// Images of one exporter share one timeline's storage.
    public var timelines: [Int64: ScanTimeline]
    /// The latest scan of any exporter in the period.
    public var lastScan: Double?
    /// Each image's newest stretch of unchanged numbers and watchers.
    public var latest: [Int64: UnchangedStretch]
    /// The RBD trash as the latest complete scans found it.
    public var trash: [TrashRecord]

    public init(
        images: [Int64: ImageRecord], points: [Int64: [SeriesPoint]], timelines: [Int64: ScanTimeline], lastScan: Double?,
        latest: [Int64: UnchangedStretch] = [:], trash: [TrashRecord] = []
    ) {
        self.images = images
        self.points = points
        self.timelines = timelines
        self.lastScan = lastScan
        self.latest = latest
        self.trash = trash
    }

    /// An extract of one exporter's history, whose images all share the scans `scanTimes`.
    public init(
        images: [Int64: ImageRecord], points: [Int64: [SeriesPoint]], scanTimes: [Double],
        latest: [Int64: UnchangedStretch] = [:], trash: [TrashRecord] = []
    ) {
        let timeline = ScanTimeline(scanTimes: scanTimes)
        self.init(
            images: images, points: points, timelines: images.mapValues { _ in timeline }, lastScan: timeline.lastScan,
            latest: latest, trash: trash)
    }
}
