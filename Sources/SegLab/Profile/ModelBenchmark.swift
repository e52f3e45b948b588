import Foundation
import SegModels
import SegNN
import SegTensor

/// What `segbook bench PRESET` measures of one model (issue 11): the inference forward (eval mode,
/// no gradient) and one training step (forward, loss, backward, optimizer step), each as median,
/// min and max of several runs after warm-up; the engine's peak memory during the step; and the
/// forward's GFLOP/s from the traced FLOPs next to the CPU's measured FP32 peak.
/// tools/reference/bench.py prints the same JSON for PyTorch.
public struct ModelBenchmark: Sendable, Encodable {
    /// Milliseconds per run.
    public struct Timing: Sendable, Codable, Equatable {
        public var median: Double
        public var min: Double
        public var max: Double

        public init(_ latency: Latency) {
            median = latency.median * 1000
            min = latency.min * 1000
            max = latency.max * 1000
        }
    }

    /// What to run: the input side, the training batch, the forward batch (the issue times inference
    /// at 1×3×256×256 and training at batch 2), the threads the caller started with, and how often.
    public struct Settings: Sendable {
        public var size: Int
        public var batch: Int
        public var forwardBatch: Int
        public var threads: Int
        public var warmup: Int
        public var repeats: Int

        public init(size: Int = 256, batch: Int = 2, forwardBatch: Int = 1, threads: Int, warmup: Int = 2, repeats: Int = 5) {
            precondition(size > 0 && batch > 0 && forwardBatch > 0 && repeats > 0 && warmup >= 0,
                         "ModelBenchmark.Settings: size \(size), batch \(batch), forward batch \(forwardBatch), repeats \(repeats), warmup \(warmup)")
            self.size = size
            self.batch = batch
            self.forwardBatch = forwardBatch
            self.threads = threads
            self.warmup = warmup
            self.repeats = repeats
        }
    }

    public var preset: String
    public var size: Int
    /// The training step's batch.
    public var batch: Int
    public var forwardBatch: Int
    public var threads: Int
    public var classes: Int
    public var inputChannels: Int
    public var repeats: Int
    public var forwardMs: Timing
    public var trainStepMs: Timing
    public var forwardImagesPerSecond: Double
    public var trainImagesPerSecond: Double
    /// Engine storage at the high-water mark of one training step (`TensorMemory`): parameters,
    /// gradients, optimizer state, the batch and every activation alive at once.
    public var peakBytes: Int
    /// The process's peak resident set size so far (getrusage), comparable with PyTorch's.
    public var peakRSSBytes: Int
    /// FLOPs of one forward at `forwardBatch` (traced; a multiply-add is 2).
    public var forwardFLOPs: Int
    /// `forwardFLOPs` / the forward's median time.
    public var forwardGFLOPS: Double
    /// The CPU's FP32 FMA peak on `threads` threads (`PeakFLOPS`), nil when not measured.
    public var peakGFLOPS: Double?
    /// The optimizer of the step (the architecture's `TrainingRecipe`) and the mode it ran in.
    public var optimizer: String
    public var trainMode: String

    enum CodingKeys: String, CodingKey {
        case preset, size, batch, forwardBatch = "forward_batch", threads, classes, inputChannels = "input_channels", repeats
        case forwardMs = "forward_ms", trainStepMs = "train_step_ms"
        case forwardImagesPerSecond = "forward_images_per_s", trainImagesPerSecond = "train_images_per_s"
        case peakBytes = "peak_bytes", peakRSSBytes = "peak_rss_bytes"
        case forwardFLOPs = "forward_flops", forwardGFLOPS = "forward_gflops_per_s", peakGFLOPS = "peak_gflops_per_s"
        case optimizer, trainMode = "train_mode"
    }

    /// Measures `preset` (a new model with its default classes and input channels). `progress`
    /// receives one line per phase, for stderr.
    public static func run(_ preset: Preset, settings: Settings, peakGFLOPS: Double? = nil,
                           progress: (String) -> Void = { _ in }) -> ModelBenchmark {
        let model = preset.make()
        let channels = preset.defaultInputChannels
        let savedMode = model.mode
        defer { model.mode = savedMode; model.zeroGrad() }
        var generator = SeededGenerator(seed: 0)
        let forwardShape = [settings.forwardBatch, channels, settings.size, settings.size]

        progress("\(preset.name): tracing FLOPs at \(forwardShape)")
        let graph = model.trace(input: forwardShape)
        let flops = graph.flops, outputShape = graph.outputShape

        progress("\(preset.name): forward \(forwardShape), \(settings.warmup) warm-up + \(settings.repeats) runs")
        let forward = model.latency(input: forwardShape, warmup: settings.warmup, repeats: settings.repeats)

        // The step as `Trainer.trainStep` takes it (recipe's optimizer, `SegmentationLoss` with the aux
        // head's term, the recipe's clipping), at the recipe's base rate, on a random batch.
        let trainShape = [settings.batch, channels, settings.size, settings.size]
        let recipe = TrainingRecipe.forPreset(preset)
        let optimizer = recipe.makeOptimizer(model.trainableParameters())
        let loss = SegmentationLoss()
        let images = Tensor.uniform(trainShape, low: -1, high: 1, generator: &generator)
        // Batch norm in train mode needs two values per channel: a batch of one through global
        // pooling (ASPP, PPM) steps with eval-mode batch norm, as `peakMemory(input:)` does.
        let trainMode: Mode = settings.batch > 1 ? .train : .eval
        let labelCount = settings.batch * outputShape[2] * outputShape[3]
        let labels = Tensor(shape: [settings.batch, outputShape[2], outputShape[3]],
                            scalars: (0..<labelCount).map { _ in Float(Int.random(in: 0..<model.classes, using: &generator)) })
        model.mode = trainMode
        let step = {
            optimizer.zeroGrad()
            let total = loss(model.outputs(images), labels: labels)
            total.backward()
            if let maxNorm = recipe.clipNorm { clipGradNorm(optimizer.parameters, maxNorm: maxNorm) }
            optimizer.step()
            optimizer.zeroGrad()
        }

        progress("\(preset.name): training step \(trainShape), \(settings.warmup) warm-up + \(settings.repeats) runs")
        for _ in 0..<max(settings.warmup, 1) { step() }   // at least one: the optimizer's state exists before the peak
        TensorMemory.resetPeak()
        let train = measure(warmup: 0, repeats: settings.repeats, images: settings.batch, step)
        let peakBytes = TensorMemory.peakBytes

        let optimizerName: String
        switch recipe.optimizer {
        case .sgd(let momentum, let weightDecay): optimizerName = "SGD(lr \(recipe.learningRate), momentum \(momentum), wd \(weightDecay))"
        case .adamW(_, _, let weightDecay):
            optimizerName = "AdamW(lr \(recipe.learningRate), wd \(weightDecay))" + (recipe.clipNorm.map { " + clip \($0)" } ?? "")
        }
        return ModelBenchmark(
            preset: preset.name, size: settings.size, batch: settings.batch, forwardBatch: settings.forwardBatch,
            threads: settings.threads, classes: model.classes, inputChannels: channels, repeats: settings.repeats,
            forwardMs: Timing(forward), trainStepMs: Timing(train),
            forwardImagesPerSecond: forward.imagesPerSecond, trainImagesPerSecond: train.imagesPerSecond,
            peakBytes: peakBytes, peakRSSBytes: ProcessMemory.peakRSS,
            forwardFLOPs: flops, forwardGFLOPS: forward.median > 0 ? Double(flops) / forward.median / 1e9 : 0,
            peakGFLOPS: peakGFLOPS, optimizer: optimizerName, trainMode: trainMode == .train ? "train" : "eval")
    }
}
