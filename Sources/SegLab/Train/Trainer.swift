import Foundation
import SegModels
import SegNN
import SegTensor

/// What a training run does besides the model and the data.
public struct TrainingOptions: Sendable {
    public var steps: Int
    public var batchSize: Int
    /// Fixes the data order, the augmentation and every in-step random draw (dropout).
    public var seed: UInt64
    public var recipe: TrainingRecipe
    public var loss: SegmentationLoss
    public var normalization: ImageNormalization
    /// Evaluate on the held-out split every this many steps (nil: only at the end).
    public var evalEvery: Int?
    /// Held-out images evaluated (at most the split's size).
    public var evalCount: Int
    /// Sliding-window side for held-out images larger than it (nil: whole images).
    public var evalWindow: Int?
    /// Write `checkpoint.safetensors` into `checkpointDirectory` every this many steps, and at the end.
    public var checkpointEvery: Int?
    public var checkpointDirectory: URL?
    /// Print the progress line on stderr, a plain line every `progressEvery` steps when not a TTY.
    public var showProgress: Bool
    public var progressEvery: Int

    public init(steps: Int, batchSize: Int = 8, seed: UInt64 = 0, recipe: TrainingRecipe = .sgdPoly,
                loss: SegmentationLoss = SegmentationLoss(), normalization: ImageNormalization = .imageNet,
                evalEvery: Int? = nil, evalCount: Int = 64, evalWindow: Int? = nil, checkpointEvery: Int? = nil,
                checkpointDirectory: URL? = nil, showProgress: Bool = false, progressEvery: Int = 10) {
        precondition(steps > 0 && batchSize > 0, "TrainingOptions: \(steps) steps, batch \(batchSize)")
        self.steps = steps
        self.batchSize = batchSize
        self.seed = seed
        self.recipe = recipe
        self.loss = loss
        self.normalization = normalization
        self.evalEvery = evalEvery
        self.evalCount = evalCount
        self.evalWindow = evalWindow
        self.checkpointEvery = checkpointEvery
        self.checkpointDirectory = checkpointDirectory
        self.showProgress = showProgress
        self.progressEvery = progressEvery
    }
}

/// One held-out evaluation during training.
public struct EvalPoint: Sendable, Equatable, Codable {
    public var step: Int
    public var miou: Double
    public var pixelAccuracy: Double

    enum CodingKeys: String, CodingKey { case step, miou, pixelAccuracy = "pixel_accuracy" }
}

/// A finished run, for charts and tables: the loss of every step, the evaluations, the final
/// held-out metrics and the wall time (training and evaluation, over every resumed session).
public struct TrainingResult {
    public let model: any SegmentationModel
    public let preset: String?
    public let losses: [Float]
    public let evalHistory: [EvalPoint]
    public let metrics: MetricsReport
    public let seconds: Double

    public var steps: Int { losses.count }
    /// The mean loss of the first `w` steps, w = clamp(steps / 10, 1, 10).
    public var initialLoss: Float { mean(losses.prefix(window)) }
    /// The mean loss of the last `w` steps (the same window): one step's loss is noisy.
    public var finalLoss: Float { mean(losses.suffix(window)) }
    private var window: Int { min(max(losses.count / 10, 1), 10) }
    private func mean(_ values: ArraySlice<Float>) -> Float { values.isEmpty ? .nan : values.reduce(0, +) / Float(values.count) }

    /// What `segbook train --json` prints.
    public var summary: TrainingSummary {
        TrainingSummary(preset: preset ?? "", steps: steps, initialLoss: Double(initialLoss), finalLoss: Double(finalLoss),
                        miou: metrics.miou, pixelAccuracy: metrics.pixelAccuracy, seconds: seconds)
    }
}

/// `{"preset", "steps", "initial_loss", "final_loss", "miou", "pixel_accuracy", "seconds"}`.
public struct TrainingSummary: Sendable, Equatable, Encodable {
    public var preset: String
    public var steps: Int
    public var initialLoss: Double
    public var finalLoss: Double
    public var miou: Double
    public var pixelAccuracy: Double
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case preset, steps, initialLoss = "initial_loss", finalLoss = "final_loss", miou, pixelAccuracy = "pixel_accuracy", seconds
    }
}

/// The training loop: seeded batches, forward, loss (with the aux head's), backward, clipping,
/// the recipe's schedule and optimizer; periodic evaluation and checkpoints.
///
/// Reproducibility: step `k` draws its batch from `BatchOrder(seed)` (epoch k / batches per
/// epoch), augments sample `i` from the stream (seed, epoch, i), and runs forward and backward
/// inside `DefaultGenerator.seeded(stepSeed(k))`. So the whole random state at step k is (seed, k):
/// a checkpoint stores both, and a resumed run continues bit for bit (same machine, same threads).
public final class Trainer {
    public let model: any SegmentationModel
    public let data: TrainingData
    public let options: TrainingOptions
    public let preset: String?
    public let optimizer: any Optimizer
    public let schedule: any LearningRateSchedule
    /// Steps done.
    public private(set) var step = 0
    public private(set) var losses: [Float] = []
    public private(set) var evalHistory: [EvalPoint] = []
    /// Seconds spent in earlier sessions (restored from a checkpoint).
    public private(set) var earlierSeconds: Double = 0
    private let order: BatchOrder
    private var epochBatches: (epoch: Int, batches: [[Int]])?

    public init(model: any SegmentationModel, data: TrainingData, options: TrainingOptions, preset: String? = nil) throws {
        guard data.train.count >= options.batchSize else {
            throw TrainingSetupError.emptyDataset("training split has \(data.train.count) samples, fewer than a batch of \(options.batchSize)")
        }
        guard data.heldOut.count > 0 else { throw TrainingSetupError.emptyDataset("held-out split") }
        self.model = model
        self.data = data
        self.options = options
        self.preset = preset
        optimizer = options.recipe.makeOptimizer(model.trainableParameters())
        schedule = options.recipe.makeSchedule(steps: options.steps)
        order = BatchOrder(count: data.train.count, batchSize: options.batchSize, seed: options.seed)
    }

    /// The seed of step `k`'s in-step generator (dropout, stochastic depth).
    public static func stepSeed(seed: UInt64, step: Int) -> UInt64 {
        var rng = SplitMix64(seed: seed ^ 0x7472_6169_6E00_0000, stream: UInt64(step))
        return rng.next()
    }

    /// The batch of step `k` (0-based), augmented.
    public func batch(at k: Int) throws -> SampleBatch {
        let epoch = k / order.batchesPerEpoch
        if epochBatches?.epoch != epoch { epochBatches = (epoch, order.batches(epoch: epoch)) }
        let indices = epochBatches!.batches[k % order.batchesPerEpoch]
        let samples = try indices.map { i in
            data.augmentation(try data.train.sample(i), seed: options.seed, epoch: epoch, index: i)
        }
        return SampleBatch(samples)
    }

    /// One optimisation step; returns its loss.
    @discardableResult
    public func trainStep() throws -> Float {
        let batch = try batch(at: step)
        let images = batch.imageTensor(normalization: options.normalization), labels = batch.labelTensor
        model.mode = .train
        optimizer.zeroGrad()
        let learningRate = schedule.learningRate(at: step)
        let loss: Float = DefaultGenerator.seeded(Self.stepSeed(seed: options.seed, step: step)) {
            let total = options.loss(model.outputs(images), labels: labels)
            total.backward()
            return total.item()
        }
        if let maxNorm = options.recipe.clipNorm { clipGradNorm(optimizer.parameters, maxNorm: maxNorm) }
        optimizer.learningRate = learningRate
        optimizer.step()
        optimizer.zeroGrad()
        losses.append(loss)
        step += 1
        return loss
    }

    /// Metrics on the held-out split.
    public func evaluate() throws -> MetricsReport {
        try Evaluation.evaluate(model, on: data.heldOut, count: options.evalCount, normalization: options.normalization,
                                window: options.evalWindow)
    }

    /// Trains to `options.steps` (from wherever it is), evaluating and checkpointing as the options
    /// say, then evaluates on the held-out split and writes the final checkpoint and weights.
    public func run() throws -> TrainingResult {
        let start = Date()
        let progress = options.showProgress ? ProgressLine(total: options.steps, every: options.progressEvery) : nil
        let firstStep = step
        var trainingSeconds = 0.0
        while step < options.steps {
            let stepStart = Date()
            let loss = try trainStep()
            trainingSeconds += Date().timeIntervalSince(stepStart)
            let done = step - firstStep
            let imagesPerSecond = Double(done * options.batchSize) / max(trainingSeconds, 1e-9)
            progress?.update(step: step, loss: loss, learningRate: optimizer.learningRate, imagesPerSecond: imagesPerSecond,
                             secondsLeft: trainingSeconds / Double(done) * Double(options.steps - step))
            if let every = options.evalEvery, step % every == 0, step < options.steps {
                let report = try evaluate()
                evalHistory.append(EvalPoint(step: step, miou: report.miou, pixelAccuracy: report.pixelAccuracy))
                progress?.message("step \(step): held-out mIoU \(String(format: "%.4f", report.miou)), "
                                  + "pixel accuracy \(String(format: "%.4f", report.pixelAccuracy))")
            }
            if let every = options.checkpointEvery, let directory = options.checkpointDirectory, step % every == 0,
               step < options.steps {
                try saveCheckpoint(to: directory.appendingPathComponent("checkpoint.safetensors"),
                                   seconds: earlierSeconds + Date().timeIntervalSince(start))
            }
        }
        let metrics = try evaluate()
        if evalHistory.last?.step != step {
            evalHistory.append(EvalPoint(step: step, miou: metrics.miou, pixelAccuracy: metrics.pixelAccuracy))
        }
        let seconds = earlierSeconds + Date().timeIntervalSince(start)
        if let directory = options.checkpointDirectory {
            try saveCheckpoint(to: directory.appendingPathComponent("checkpoint.safetensors"), seconds: seconds)
            try writeAtomically(Safetensors.encode(model.stateDict(), metadata: ["preset": preset ?? ""]),
                                to: directory.appendingPathComponent("model.safetensors"))
        }
        return TrainingResult(model: model, preset: preset, losses: losses, evalHistory: evalHistory, metrics: metrics,
                              seconds: seconds)
    }

    // MARK: - Checkpoints

    /// Writes model, optimizer state, the losses so far and (in the metadata) step, seed and
    /// evaluations as one safetensors file: to a temporary file beside it, then renamed over it,
    /// so a crash never leaves half a checkpoint. Keys: `model.*` and `optimizer.*` as SegNN's
    /// `Checkpoint`, plus `trainer.losses`.
    public func saveCheckpoint(to url: URL, seconds: Double? = nil) throws {
        var tensors = model.stateDict().map { ("model." + $0.0, $0.1) }
        tensors += optimizer.stateDict().map { ("optimizer." + $0.0, $0.1) }
        if !losses.isEmpty { tensors.append(("trainer.losses", Tensor(shape: [losses.count], scalars: losses))) }
        let history = String(decoding: try JSONEncoder().encode(evalHistory), as: UTF8.self)
        let metadata = [
            "step": String(step), "steps": String(options.steps), "seed": String(options.seed), "preset": preset ?? "",
            "rng": "SplitMix64 streams of (seed, step): batch order, augmentation, in-step generator",
            "eval_history": history, "seconds": String(seconds ?? earlierSeconds),
        ]
        try writeAtomically(Safetensors.encode(tensors, metadata: metadata), to: url)
    }

    /// Restores a checkpoint written by `saveCheckpoint` (same preset, seed and batch size), so
    /// that the next `trainStep` is the one an uninterrupted run would have taken.
    public func resume(from url: URL) throws {
        let file = try SafetensorsFile(contentsOf: url)
        if let saved = file.metadata["seed"], saved != String(options.seed) {
            throw TrainingSetupError.checkpointMismatch(path: url.path, reason: "checkpoint was trained with seed \(saved), not \(options.seed)")
        }
        if let saved = file.metadata["preset"], let preset, !saved.isEmpty, saved != preset {
            throw TrainingSetupError.checkpointMismatch(path: url.path, reason: "checkpoint is of preset '\(saved)', not '\(preset)'")
        }
        let savedStep = try Checkpoint.load(model: model, optimizer: optimizer, from: url)
        let savedLosses = file.tensor(named: "trainer.losses")?.scalars ?? []
        guard savedLosses.count == savedStep else {
            throw TrainingSetupError.checkpointMismatch(path: url.path, reason: "\(savedLosses.count) losses for step \(savedStep)")
        }
        step = savedStep
        losses = savedLosses
        evalHistory = file.metadata["eval_history"].flatMap { try? JSONDecoder().decode([EvalPoint].self, from: Data($0.utf8)) } ?? []
        earlierSeconds = file.metadata["seconds"].flatMap(Double.init) ?? 0
        epochBatches = nil
    }
}

/// Writes `data` to a temporary file in the same folder, then renames it over `url`.
func writeAtomically(_ data: Data, to url: URL) throws {
    let directory = url.deletingLastPathComponent()
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
    try data.write(to: temporary)
    guard rename(temporary.path, url.path) == 0 else {
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(at: temporary)
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path, NSLocalizedDescriptionKey: reason])
    }
}

// MARK: - The chapter API

/// Trains a preset on a data source with its architecture's recipe and returns the run:
///
///     let run = try train(preset: "unet-book", data: .scenes(.thin), steps: 600, size: 64, batch: 8)
///     run.metrics.miou; run.losses
///
/// The model's weights are drawn from `seed` too, so a chapter's numbers are the same every build.
/// `trainingImages` is the number of distinct scenes drawn from (scenes only; a real dataset's
/// train split is used whole), for accuracy against training-set size.
public func train(preset name: String, data source: DataSource, steps: Int, size: Int = 64, batch: Int = 8,
                  seed: UInt64 = 0, learningRate: Float? = nil, evalEvery: Int? = nil, trainingImages: Int = 2048,
                  progress: Bool = false) throws -> TrainingResult {
    guard let preset = Presets.named(name) else { throw TrainingSetupError.unknownPreset(name) }
    let data = try source.load(size: size, seed: seed, sceneTrainCount: trainingImages)
    var recipe = TrainingRecipe.forPreset(preset)
    if let learningRate { recipe.learningRate = learningRate }
    let model = DefaultGenerator.seeded(seed) { preset.make(classes: data.classCount) }
    let options = TrainingOptions(steps: steps, batchSize: batch, seed: seed, recipe: recipe, evalEvery: evalEvery,
                                  evalWindow: 4 * size, showProgress: progress)
    return try Trainer(model: model, data: data, options: options, preset: name).run()
}
