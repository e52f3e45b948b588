import ArgumentParser
import Foundation
import SegTensor

/// `segbook bench ops`: kernel GFLOP/s next to the CPU's measured peak. Model presets
/// (`segbook bench PRESET ...`, issue 11) will share this command.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the engine: `ops` for conv2d GFLOP/s on ResNet-50 shapes next to the CPU's peak.",
        discussion: """
            `segbook bench ops` times conv2d (forward, and backward = data + weights) on the 3×3 and 1×1 \
            convolutions of ResNet-50's stages at 1×C×64×64 and 1×C×128×128, next to the FP32 FMA peak \
            of the same threads and OpenBLAS sgemm. tools/reference/bench_ops.py prints the same JSON \
            for PyTorch.
            """)

    @Argument(help: "What to time: 'ops' (model presets come later).")
    var targets: [String] = ["ops"]

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "Threads (oneDNN, OpenBLAS and the peak loop). Default: OMP_NUM_THREADS, else the core count.")
    var threads: Int?

    @Option(help: "Timed runs per measurement (after warm-up); the median is reported.")
    var repeats = 5

    func validate() throws {
        guard targets == ["ops"] else {
            let others = targets.filter { $0 != "ops" }
            if others.isEmpty { throw ValidationError("'ops' given twice") }
            throw ValidationError("unknown bench target '\(others[0])': only 'ops' exists so far (presets: issue 11)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if repeats < 1 { throw ValidationError("--repeats must be at least 1, got \(repeats)") }
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let threads = self.threads
            ?? environment["OMP_NUM_THREADS"].flatMap { Int($0) }
            ?? ProcessInfo.processInfo.activeProcessorCount
        // oneDNN's OpenMP reads OMP_NUM_THREADS when the process starts: restart with it set.
        if environment["OMP_NUM_THREADS"] != String(threads) {
            setenv("OMP_NUM_THREADS", String(threads), 1)
            execv("/proc/self/exe", CommandLine.unsafeArgv)
            throw ValidationError("cannot restart with OMP_NUM_THREADS=\(threads): \(String(cString: strerror(errno)))")
        }

        if !json {
            print("conv2d on oneDNN (NCHW in and out, weights reordered once), \(threads) threads, median of \(repeats)")
            print("measuring the FMA peak and sgemm...")
        }
        let table = ProgressTable()
        let report = OpsBenchmark.run(threads: threads, repeats: repeats) { measurement in
            if !json { table.row(measurement) }
        } prologue: { peak, sgemm in
            if !json { table.header(peak: peak, sgemm: sgemm) }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            table.summary(report)
        }
    }
}

/// The human table, printed row by row as measurements arrive.
private final class ProgressTable {
    private var peak = 0.0

    func header(peak: Double, sgemm: Double) {
        self.peak = peak
        print(String(format: "FP32 FMA peak  %7.1f GFLOP/s", peak))
        print(String(format: "OpenBLAS sgemm %7.1f GFLOP/s (1024³, %.0f%% of peak)", sgemm, 100 * sgemm / peak))
        print("")
        print(pad("shape", 26) + pad("direction", 10) + lpad("ms", 10) + lpad("GFLOP/s", 10) + lpad("% peak", 8) + "  implementation")
    }

    func row(_ m: OpsBenchmark.Measurement) {
        print(pad(m.shape, 26) + pad(m.direction.rawValue, 10)
              + lpad(String(format: "%.3f", m.ms), 10) + lpad(String(format: "%.1f", m.gflops), 10)
              + lpad(String(format: "%.0f%%", 100 * m.gflops / peak), 8) + "  " + m.implementation)
    }

    func summary(_ report: OpsBenchmark.Report) {
        for direction in [OpsBenchmark.Direction.forward, .backward] {
            for kernel in ["3x3", "1x1"] {
                let rows = report.conv2d.filter { $0.direction == direction && $0.shape.hasPrefix(kernel) }
                guard !rows.isEmpty else { continue }
                let gflops = rows.map(\.gflops)
                print("\(kernel) \(direction.rawValue): " + String(format: "%.0f–%.0f GFLOP/s, %.0f–%.0f%% of peak",
                      gflops.min()!, gflops.max()!, 100 * gflops.min()! / peak, 100 * gflops.max()! / peak))
            }
        }
    }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }

    private func lpad(_ s: String, _ width: Int) -> String {
        s.count >= width ? " " + s : String(repeating: " ", count: width - s.count) + s
    }
}
