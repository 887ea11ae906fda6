import Foundation

/// One fixture timed with every tool.
struct TimingRow {
    var fixture: String
    var latencyMs: Double
    var rbdDu = 0.0
    var originalSerial = 0.0
    var meterObject = 0.0
    var meterExact = 0.0
    var usedBytes: UInt64 = 0
    var methods = ""
    var mismatches: [String] = []
}

/// One scale fixture: `rbd du -p`, and `serve` with header probes and with `librbd_only`.
struct ScaleRow {
    var rbdDu: Double
    /// `rbd-meter scan` in object and exact mode, and the methods of the object-mode scan.
    var scanObject: Double
    var scanExact: Double
    var methods: String
    var probes: IncrementalResult
    var librbd: IncrementalResult
    /// Part of the images in use and written between scans, in object and exact mode.
    var inUse: [InUseResult] = []
}

/// The benchmark's results as the Markdown docs/performance.md shows.
struct BenchReport {
    var rows: [TimingRow]
    var scale: [ScaleRow]
    var snapshots: [SnapshotRow] = []
    var load: LoadResult?
    var machine: String
    var date: Date

    var markdown: String {
        var text = "Measured \(ISO8601DateFormatter().string(from: date)) on \(machine).\n"
        if !rows.isEmpty { text += "\n" + timingTable }
        if !scale.isEmpty { text += "\n" + scaleTable }
        if scale.contains(where: { !$0.inUse.isEmpty }) { text += "\n" + inUseTable }
        if !snapshots.isEmpty { text += "\n" + snapshotTable }
        if let load {
            text += "\n`/metrics` of `serve` metering \(load.images) images, scanning back to back, so that a scan runs throughout (\(load.scansDuringLoad) finished during the load; the first took \(seconds(load.firstScanSeconds))): "
            text += "wrk, 16 connections, \(load.requests) requests, \(load.errors) errors, p50 \(String(format: "%.1f", load.p50Ms)) ms, p99 \(String(format: "%.1f", load.p99Ms)) ms; "
            text += "peak RSS \(load.peakRSSBytes >> 20) MiB; one scan written to SQLite in \(String(format: "%.0f", load.historyWriteSeconds * 1000)) ms.\n"
        }
        return text
    }
}

private func seconds(_ value: Double) -> String { value < 10 ? String(format: "%.2f s", value) : String(format: "%.1f s", value) }
private func ratio(_ slow: Double, _ fast: Double) -> String { fast > 0 ? String(format: "%.1f×", slow / fast) : "–" }

extension BenchReport {
    /// Every tool on the timing fixtures, side by side.
    var timingTable: String {
        var text = "| fixture | latency | `rbd du -p` | original serial diff | rbd-meter object | rbd-meter exact | du ÷ object | serial ÷ exact | method |\n"
        text += "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n"
        for row in rows {
            text += "| \(row.fixture) | \(row.latencyMs == 0 ? "none" : "≤ \(row.latencyMs) ms") | \(seconds(row.rbdDu)) | \(seconds(row.originalSerial)) | "
            text += "\(seconds(row.meterObject)) | \(seconds(row.meterExact)) | \(ratio(row.rbdDu, row.meterObject)) | \(ratio(row.originalSerial, row.meterExact)) | \(row.methods) |\n"
        }
        let thin = rows.filter { $0.fixture.hasSuffix("layering") }
        for latency in Set(thin.map(\.latencyMs)).sorted() {
            let pair = thin.filter { $0.latencyMs == latency }
            guard pair.count == 2 else { continue }
            text += "\nDoubling the provisioned size at equal data (\(latency == 0 ? "no latency" : "≤ \(latency) ms latency")): "
            text += "rbd du \(ratio(pair[1].rbdDu, pair[0].rbdDu)), rbd-meter object \(ratio(pair[1].meterObject, pair[0].meterObject)), "
            text += "exact \(ratio(pair[1].meterExact, pair[0].meterExact)).\n"
        }
        return text
    }

    /// `serve`'s unchanged scans with header probes and through librbd, beside `rbd du -p`.
    var scaleTable: String {
        var text = "`rbd du -p` and `rbd-meter scan` side by side; then `serve` in object mode, one scan a second: the first scan measures every image, the next ones find nothing changed "
        text += "(median of 5; CPU is the process's user + system time from the end of one scan to the end of the next, its history write included, per image):\n\n"
        text += "| fixture | `rbd du -p` | scan object | du ÷ object | scan exact | du ÷ exact | method | `serve` first scan | unchanged scan, header probes | CPU per image | images opened | unchanged scan, `librbd_only` | CPU per image | librbd ÷ probes | peak RSS |\n"
        text += "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        for row in scale {
            let probes = row.probes, librbd = row.librbd
            text += "| \(probes.fixture) | \(seconds(row.rbdDu)) | \(seconds(row.scanObject)) | \(ratio(row.rbdDu, row.scanObject)) | "
            text += "\(seconds(row.scanExact)) | \(ratio(row.rbdDu, row.scanExact)) | \(row.methods) | "
            text += "\(seconds(probes.firstScanSeconds)) | \(seconds(probes.unchangedScanSeconds)) | "
            text += String(format: "%.3f ms", probes.cpuMillisecondsPerImage) + " | \(probes.imagesOpened) | \(seconds(librbd.unchangedScanSeconds)) | "
            text += String(format: "%.3f ms", librbd.cpuMillisecondsPerImage) + " | \(ratio(librbd.unchangedScanSeconds, probes.unchangedScanSeconds)) | "
            text += "\(max(probes.peakRSSBytes, librbd.peakRSSBytes) >> 20) MiB |\n"
        }
        return text
    }
}

extension BenchReport {
    /// `serve` with part of the images in use, beside `rbd du -p` of the same fixture.
    var inUseTable: String {
        var text = "`serve` with part of the images held open read-write (a watch, as a mapped volume has) and written between scans "
        text += "without any header write (librbd with `rbd_mtime_update_interval` 0, the exclusive lock taken beforehand: what the kernel client does), "
        text += "4 KiB at the start of a new object of each per round, one scan a second (median of 5 rounds; the scan is the first that began after the round's writes; "
        text += "CPU is the process's over the scan after it, per image of the fixture):\n\n"
        text += "| fixture | mode | in use | `rbd du -p` | scan after the writes | du ÷ scan | CPU per image | writes seen by that scan |\n"
        text += "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        for row in scale {
            for result in row.inUse {
                text += "| \(result.fixture) | \(result.mode) | \(result.inUse) | \(seconds(row.rbdDu)) | \(seconds(result.scanSeconds)) | "
                text += "\(ratio(row.rbdDu, result.scanSeconds)) | " + String(format: "%.3f ms", result.cpuMillisecondsPerImage)
                text += " | \(result.writesSeen) of \(result.writes) |\n"
            }
        }
        return text
    }
}

extension BenchReport {
    /// The snapshot fixtures: `rbd du -p` beside `rbd-meter scan` in both modes, every image equal;
    /// then `serve`'s unchanged rescans, beside those of the fixture without snapshots.
    var snapshotTable: String {
        var text = ""
        if snapshots.contains(where: { $0.librbd == nil }) { text += fastDiffSnapshotTable }
        let layering = snapshots.filter { $0.librbd != nil }
        guard !layering.isEmpty else { return text }
        if !text.isEmpty { text += "\n" }
        text += "Layering-only images with a snapshot: the listing and one clone listing per listed object, beside the same scan through librbd "
        text += "(one open per snapshot and the head, the listed objects diffed per interval):\n\n"
        text += "| fixture | `rbd du -p` | scan object | through librbd | librbd ÷ scan | `rbd du -p --exact` | scan exact | through librbd | librbd ÷ scan | method |\n"
        text += "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n"
        for row in layering {
            let librbd = row.librbd!
            text += "| \(row.fixture) | \(seconds(row.duObject)) | \(seconds(row.scanObject.seconds)) | \(seconds(librbd.object)) | \(ratio(librbd.object, row.scanObject.seconds)) | "
            text += "\(seconds(row.duExact)) | \(seconds(row.scanExact.seconds)) | \(seconds(librbd.exact)) | \(ratio(librbd.exact, row.scanExact.seconds)) | \(row.scanObject.methods) |\n"
        }
        return text
    }

    /// The fast-diff snapshot fixtures, with the unchanged rescans beside the snapshot-free one.
    private var fastDiffSnapshotTable: String {
        var text = "Images with snapshots: `rbd du -p` (and `--exact`) beside `rbd-meter scan`, every image's total equal to `rbd du`'s (checked); "
        text += "CPU is the scan process's user + system time per image, its start and connection included; "
        text += "then `serve`'s unchanged rescans (median of 5), beside the fixture without snapshots:\n\n"
        text += "| fixture | `rbd du -p` | scan object | du ÷ object | CPU per image | `rbd du -p --exact` | scan exact | du ÷ exact | CPU per image | method | unchanged rescan | ÷ no snapshots | CPU per image |\n"
        text += "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |\n"
        let baseline = snapshots.first { $0.snapshots == 0 }?.unchanged.unchangedScanSeconds ?? 0
        for row in snapshots where row.librbd == nil {
            let images = Double(row.fixture.images)
            text += "| \(row.fixture) | \(seconds(row.duObject)) | \(seconds(row.scanObject.seconds)) | \(ratio(row.duObject, row.scanObject.seconds)) | "
            text += String(format: "%.3f ms", row.scanObject.cpuSeconds * 1000 / images) + " | "
            text += "\(seconds(row.duExact)) | \(seconds(row.scanExact.seconds)) | \(ratio(row.duExact, row.scanExact.seconds)) | "
            text += String(format: "%.3f ms", row.scanExact.cpuSeconds * 1000 / images) + " | \(row.scanObject.methods) | "
            text += "\(seconds(row.unchanged.unchangedScanSeconds)) | \(ratio(row.unchanged.unchangedScanSeconds, baseline)) | "
            text += String(format: "%.3f ms", row.unchanged.cpuMillisecondsPerImage) + " |\n"
        }
        return text
    }
}

/// The machine, in one line.
enum Machine {
    static func describe() -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        let memory = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("MemTotal") }
            .flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") }.map { "\($0 >> 20) GiB" } ?? "?"
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)), \(memory) RAM, a single-host dev cluster (memstore OSD)"
    }
}
