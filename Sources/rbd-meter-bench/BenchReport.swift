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

/// The benchmark's results as the Markdown the README shows.
struct BenchReport {
    var rows: [TimingRow]
    var load: LoadResult?
    var machine: String
    var date: Date

    var markdown: String {
        func seconds(_ value: Double) -> String { value < 10 ? String(format: "%.2f s", value) : String(format: "%.1f s", value) }
        func ratio(_ slow: Double, _ fast: Double) -> String { fast > 0 ? String(format: "%.1f×", slow / fast) : "–" }
        var text = "Measured \(ISO8601DateFormatter().string(from: date)) on \(machine).\n\n"
        text += "| fixture | latency | `rbd du -p` | original serial diff | rbd-meter object | rbd-meter exact | du ÷ object | serial ÷ exact | method |\n"
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
        if let load {
            text += "\n`/metrics` of `serve` metering \(load.images) images, scanning back to back, so that a scan runs throughout (\(load.scansDuringLoad) finished during the load; the first took \(seconds(load.firstScanSeconds))): "
            text += "wrk, 16 connections, \(load.requests) requests, \(load.errors) errors, p50 \(String(format: "%.1f", load.p50Ms)) ms, p99 \(String(format: "%.1f", load.p99Ms)) ms; "
            text += "peak RSS \(load.peakRSSBytes >> 20) MiB; one scan written to SQLite in \(String(format: "%.0f", load.historyWriteSeconds * 1000)) ms.\n"
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
