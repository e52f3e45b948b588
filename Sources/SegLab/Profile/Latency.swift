import Foundation
import SegModels
import SegTensor

/// Wall-clock timings of repeated runs: median, min and max seconds per run, and images per second
/// at the median, with the number of threads the engine's kernels used.
public struct Latency: Sendable, CustomStringConvertible {
    public var seconds: [Double]
    public var imagesPerRun: Int
    public var threads: Int

    public var median: Double {
        let s = seconds.sorted()
        return s.isEmpty ? 0 : s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
    public var min: Double { seconds.min() ?? 0 }
    public var max: Double { seconds.max() ?? 0 }
    public var imagesPerSecond: Double { median > 0 ? Double(imagesPerRun) / median : 0 }

    public var description: String {
        String(format: "median %.2f ms (min %.2f, max %.2f) over %d runs, %.1f images/s, %d threads",
               median * 1000, min * 1000, max * 1000, seconds.count, imagesPerSecond, threads)
    }
}

/// Runs `body` `warmup` times untimed, then `repeats` times timed. `images` is how many images one
/// run processes (the batch size). Threads: `Parallel.threadCount` (`SEGBOOK_THREADS`, else the cores).
public func measure(warmup: Int = 1, repeats: Int = 5, images: Int = 1, _ body: () -> Void) -> Latency {
    precondition(repeats >= 1, "measure: repeats must be at least 1")
    for _ in 0..<warmup { body() }
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return Latency(seconds: times, imagesPerRun: images, threads: Parallel.threadCount)
}

extension SegmentationModel {
    /// Inference latency of `self(image)` on a batch of `shape` (eval mode, no gradient; the mode is
    /// restored): `measure(warmup:repeats:)` over forward passes, images = the batch size.
    public func latency(input shape: [Int], warmup: Int = 1, repeats: Int = 5) -> Latency {
        let savedMode = mode
        mode = .eval
        defer { mode = savedMode }
        var generator = SeededGenerator(seed: 0)
        let x = Tensor.uniform(shape, low: -1, high: 1, generator: &generator)
        return measure(warmup: warmup, repeats: repeats, images: shape[0]) { _ = noGrad { self(x) } }
    }
}
