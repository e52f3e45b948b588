import ArgumentParser
import Foundation
import SegLab
import SegModels
import SegTensor

/// `segbook bench ops`: kernel GFLOP/s next to the CPU's measured peak. `segbook bench PRESET ...`:
/// forward and training-step times, peak memory and GFLOP/s of model presets (issue 11).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the engine: `ops` for conv2d GFLOP/s on ResNet-50 shapes, or model presets end to end.",
        discussion: """
            `segbook bench ops` times conv2d (forward, and backward = data + weights) on the 3×3 and 1×1 \
            convolutions of ResNet-50's stages at 1×C×64×64 and 1×C×128×128, next to the FP32 FMA peak \
            of the same threads and sgemm (OpenBLAS's as `sgemm_gflops`; oneDNN's, the engine's GEMM, as `onednn_sgemm_gflops`). \
            Forward is the inference convolution as the engine runs it inside a network (the input in \
            the layout the previous convolution left, the output left in its own); `row_major_ms` is \
            the same call on NCHW tensors; its 3×3 stride-1 layers run Winograd's algorithm (forward, \
            and backward where its scratchpad fits), so their GFLOP/s (direct FLOPs) pass the peak \
            (SEGBOOK_WINOGRAD=0 times the direct kernels). \
            tools/reference/bench_ops.py prints the same JSON for PyTorch.

            `segbook bench PRESET ...` times, per preset, the inference forward (eval mode, no gradient) \
            at --forward-batch×C×size×size and one training step (forward, cross-entropy with the aux \
            head's term, backward, the architecture's optimizer step) at --batch×C×size×size: median, \
            min and max of --repeats runs after warm-up, images/s, the engine's peak memory during the \
            step, and the forward's GFLOP/s next to the CPU's FP32 peak. GFLOP/s counts a convolution's \
            direct FLOPs; Winograd's algorithm (3×3 convolutions of 64+ channels, dilated ones over their \
            phases, in inference and training, wide ones in training over slices of their input \
            channels) does fewer \
            multiplications, so the rate can pass 100% of peak. SEGBOOK_WINOGRAD=0 turns it off. \
            tools/reference/bench.py prints \
            the same JSON for PyTorch; tools/reference/bench_compare.py puts both side by side.
            """)

    @Argument(help: "What to time: 'ops', or one or more presets (see `segbook presets`).")
    var targets: [String] = ["ops"]

    @Flag(help: "Print JSON instead of a table (presets: one object for one preset, an array for several).")
    var json = false

    @Option(help: "Threads (oneDNN, OpenBLAS, the engine's loops and the peak loop). Default: OMP_NUM_THREADS, else the core count.")
    var threads: Int?

    @Option(help: "Timed runs per measurement (after warm-up); the median is reported.")
    var repeats = 5

    @Option(help: "Presets: the input's side.")
    var size = 256

    @Option(help: "Presets: the training step's batch.")
    var batch = 2

    @Option(help: "Presets: the inference forward's batch (the issue's goals are at 1×3×256×256).")
    var forwardBatch = 1

    @Option(help: "Presets: untimed runs before the timed ones.")
    var warmup = 2

    @Flag(help: "Presets: also print where the inference forward's time goes, by layer type and op (a timed trace).")
    var profile = false

    private var presetNames: [String] { targets == ["ops"] ? [] : targets }

    func validate() throws {
        if targets.contains("ops") && targets != ["ops"] {
            if targets.allSatisfy({ $0 == "ops" }) { throw ValidationError("'ops' given twice") }
            throw ValidationError("'ops' cannot be timed together with presets: run them separately")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if repeats < 1 { throw ValidationError("--repeats must be at least 1, got \(repeats)") }
        if size < 1 { throw ValidationError("--size must be at least 1, got \(size)") }
        if batch < 1 { throw ValidationError("--batch must be at least 1, got \(batch)") }
        if forwardBatch < 1 { throw ValidationError("--forward-batch must be at least 1, got \(forwardBatch)") }
        if warmup < 0 { throw ValidationError("--warmup cannot be negative, got \(warmup)") }
    }

    func run() throws {
        let presets = presetNames
        // An unknown preset is one line and exit 2, before anything is timed or restarted.
        for name in presets where Presets.named(name) == nil {
            FileHandle.standardError.write(Data("segbook bench: unknown preset '\(name)' (see `segbook presets`)\n".utf8))
            throw ExitCode(2)
        }
        let environment = ProcessInfo.processInfo.environment
        let threads = self.threads
            ?? environment["OMP_NUM_THREADS"].flatMap { Int($0) }
            ?? ProcessInfo.processInfo.activeProcessorCount
        // oneDNN's OpenMP reads OMP_NUM_THREADS when the process starts, and the engine's own loops
        // SEGBOOK_THREADS: restart with them set.
        if environment["OMP_NUM_THREADS"] != String(threads)
            || (!presets.isEmpty && environment["SEGBOOK_THREADS"] != String(threads)) {
            setenv("OMP_NUM_THREADS", String(threads), 1)
            if !presets.isEmpty { setenv("SEGBOOK_THREADS", String(threads), 1) }
            execv("/proc/self/exe", CommandLine.unsafeArgv)
            throw ValidationError("cannot restart with OMP_NUM_THREADS=\(threads): \(String(cString: strerror(errno)))")
        }
        if presets.isEmpty {
            try runOps(threads: threads)
        } else {
            try runPresets(presets.map { Presets.named($0)! }, threads: threads)
        }
    }

    private func runOps(threads: Int) throws {
        if !json {
            print("conv2d on oneDNN, weights reordered once, \(threads) threads, median of \(repeats); forward: the inference "
                  + "path inside a network (activations in oneDNN's layout from layer to layer; 'row-major ms': the same call "
                  + "with NCHW in and out); backward: data + weights on NCHW tensors")
            print("measuring the FMA peak and sgemm...")
        }
        let table = ProgressTable()
        let report = OpsBenchmark.run(threads: threads, repeats: repeats) { measurement in
            if !json { table.row(measurement) }
        } prologue: { peak, openBLAS, oneDNN in
            if !json { table.header(peak: peak, sgemm: oneDNN, openBLAS: openBLAS) }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            table.summary(report)
        }
    }

    private func runPresets(_ presets: [Preset], threads: Int) throws {
        let progress = { (line: String) in FileHandle.standardError.write(Data(("bench: " + line + "\n").utf8)) }
        progress("measuring the FP32 FMA peak on \(threads) threads")
        let peak = PeakFLOPS.fmaGFLOPS(threads: threads)
        let settings = ModelBenchmark.Settings(size: size, batch: batch, forwardBatch: forwardBatch, threads: threads,
                                               warmup: warmup, repeats: repeats)
        if !json {
            print("\(threads) threads, median (min–max) of \(repeats) runs after \(warmup) warm-up; "
                  + String(format: "FP32 FMA peak %.1f GFLOP/s", peak))
            print(PresetTable.header)
        }
        var results: [ModelBenchmark] = []
        for preset in presets {
            let result = ModelBenchmark.run(preset, settings: settings, peakGFLOPS: peak, progress: progress)
            results.append(result)
            if !json { print(PresetTable.row(result)) }
        }
        if profile {
            for preset in presets {
                progress("\(preset.name): profiling the forward")
                let model = preset.make()
                let p = ForwardProfile.measure(model, input: [forwardBatch, preset.defaultInputChannels, size, size],
                                               warmup: warmup, repeats: repeats)
                let text = "\n\(preset.name): forward at \(forwardBatch)×\(preset.defaultInputChannels)×\(size)×\(size), by layer and op\n" + p.table
                // With --json the table goes to stderr, leaving stdout one JSON document.
                if json { FileHandle.standardError.write(Data((text + "\n").utf8)) } else { print(text) }
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = results.count == 1 ? try encoder.encode(results[0]) : try encoder.encode(results)
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// The human table of `bench PRESET ...`, one row per preset.
private enum PresetTable {
    static let header = pad("preset", 24) + pad("forward ms", 26) + pad("img/s", 8) + pad("train step ms", 26)
        + pad("img/s", 8) + pad("peak MiB", 10) + pad("GFLOP/s", 9) + "% peak"

    static func row(_ r: ModelBenchmark) -> String {
        func timing(_ t: ModelBenchmark.Timing) -> String { String(format: "%.1f (%.1f–%.1f)", t.median, t.min, t.max) }
        let percent = r.peakGFLOPS.map { String(format: "%.0f%%", 100 * r.forwardGFLOPS / $0) } ?? "–"
        return pad(r.preset, 24) + pad(timing(r.forwardMs), 26) + pad(String(format: "%.2f", r.forwardImagesPerSecond), 8)
            + pad(timing(r.trainStepMs), 26) + pad(String(format: "%.2f", r.trainImagesPerSecond), 8)
            + pad(String(format: "%.0f", Double(r.peakBytes) / 1_048_576), 10)
            + pad(String(format: "%.1f", r.forwardGFLOPS), 9) + percent
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}

/// The human table, printed row by row as measurements arrive.
private final class ProgressTable {
    private var peak = 0.0

    func header(peak: Double, sgemm: Double, openBLAS: Double) {
        self.peak = peak
        print(String(format: "FP32 FMA peak  %7.1f GFLOP/s", peak))
        print(String(format: "sgemm (oneDNN) %7.1f GFLOP/s (1024³, %.0f%% of peak; the engine's GEMM)", sgemm, 100 * sgemm / peak))
        print(String(format: "OpenBLAS sgemm %7.1f GFLOP/s (1024³, %.0f%% of peak)", openBLAS, 100 * openBLAS / peak))
        print("")
        print(pad("shape", 26) + pad("direction", 10) + lpad("ms", 10) + lpad("GFLOP/s", 10) + lpad("% peak", 8)
              + lpad("row-major ms", 14) + "  implementation")
    }

    func row(_ m: OpsBenchmark.Measurement) {
        print(pad(m.shape, 26) + pad(m.direction.rawValue, 10)
              + lpad(String(format: "%.3f", m.ms), 10) + lpad(String(format: "%.1f", m.gflops), 10)
              + lpad(String(format: "%.0f%%", 100 * m.gflops / peak), 8)
              + lpad(m.rowMajorMs.map { String(format: "%.3f", $0) } ?? "", 14) + "  " + m.implementation)
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
