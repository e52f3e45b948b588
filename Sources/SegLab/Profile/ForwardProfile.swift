import Foundation
import SegModels
import SegNN
import SegTensor

/// Where an inference forward spends its time, by kind of call: each layer type (`Conv2d`,
/// `BatchNorm2d`, ...) and each tensor op outside a layer (`add`, `resized`, ...), from a timed trace
/// (`TraceEvent.seconds`), median over several traced runs. Fused calls (conv + batch norm + ReLU
/// in inference) count as one kind, e.g. `Conv2d+BatchNorm2d+ReLU`. What `segbook bench PRESET --profile`
/// prints, to show where optimisation pays.
public struct ForwardProfile: Sendable {
    public struct Entry: Sendable {
        /// The layer's type name or the op's name.
        public var kind: String
        /// Calls per forward.
        public var calls: Int
        /// Median milliseconds per forward spent in these calls.
        public var ms: Double
    }

    /// Kinds by time, largest first.
    public var entries: [Entry]
    /// Median milliseconds of the traced forward as a whole.
    public var totalMs: Double

    /// Traces `model` in eval mode without gradients on a random `input` batch, `warmup` + `repeats` times.
    public static func measure(_ model: SegmentationModel, input shape: [Int], warmup: Int = 1, repeats: Int = 5) -> ForwardProfile {
        let savedMode = model.mode
        model.mode = .eval
        defer { model.mode = savedMode }
        var generator = SeededGenerator(seed: 0)
        let x = Tensor.uniform(shape, low: -1, high: 1, generator: &generator)
        var perKind: [String: [Double]] = [:], calls: [String: Int] = [:], totals: [Double] = []
        for run in 0..<(warmup + repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            let events = noGrad { Trace.recording(allowingFusion: true) { model(x) } }.recorder.events
            let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            guard run >= warmup else { continue }
            totals.append(total)
            var sums: [String: Double] = [:], counts: [String: Int] = [:]
            for event in events {
                let kind = event.module.map { String(describing: type(of: $0)) } ?? event.op
                sums[kind, default: 0] += event.seconds
                counts[kind, default: 0] += 1
            }
            for (kind, s) in sums { perKind[kind, default: []].append(s) }
            calls = counts
        }
        let entries = perKind.map { Entry(kind: $0.key, calls: calls[$0.key] ?? 0, ms: median($0.value) * 1000) }
        return ForwardProfile(entries: entries.sorted { $0.ms > $1.ms }, totalMs: median(totals) * 1000)
    }

    private static func median(_ values: [Double]) -> Double {
        Latency(seconds: values, imagesPerRun: 1, threads: 1).median
    }

    /// One line per kind: milliseconds, share of the total, calls.
    public var table: String {
        func pad(_ s: String) -> String { s.padding(toLength: max(28, s.count), withPad: " ", startingAt: 0) }
        var lines = [pad("layer / op") + "         ms   share  calls"]
        for e in entries {
            lines.append(pad(e.kind) + String(format: " %10.2f %6.1f%% %6d", e.ms, totalMs > 0 ? 100 * e.ms / totalMs : 0, e.calls))
        }
        lines.append(pad("total (traced forward)") + String(format: " %10.2f", totalMs))
        return lines.joined(separator: "\n")
    }
}
