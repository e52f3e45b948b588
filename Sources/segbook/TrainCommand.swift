import ArgumentParser
import Foundation
import SegLab
import SegModels
import SegNN

/// `segbook train`: trains a preset with its architecture's recipe, then evaluates it on the
/// held-out split.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a preset on synthetic scenes or a dataset on disk, then evaluate it.",
        discussion: """
            The optimizer and schedule are the ones the architecture's paper used: SGD + momentum 0.9 + poly \
            for the convolutional networks (base rate 0.01; 0.05 for the -book sizes, which train from scratch), \
            AdamW + linear warmup + poly for the transformers. Progress goes \
            to stderr. With --out DIR, DIR/checkpoint.safetensors (model, optimizer, step, seed) is written \
            every --checkpoint-every steps and at the end, with DIR/model.safetensors (the weights alone); \
            --resume continues from DIR's checkpoint, bit for bit.
            """)

    @Option(help: "The preset to train (`-book` presets train on two cores in minutes).")
    var model: String

    @Option(help: "scenes:shapes|thin|context|scales, voc:DIR or cityscapes:DIR.")
    var data: String

    @Option(help: "Optimisation steps.")
    var steps = 600

    @Option(help: "Images per batch.")
    var batch = 8

    @Option(help: "Scene size, or crop size for datasets on disk.")
    var size = 64

    @Option(help: "Base learning rate (default: the recipe's).")
    var lr: Float?

    @Option(help: "Seed for the weights, the data order, augmentation and dropout.")
    var seed: UInt64 = 0

    @Option(help: "Folder for checkpoints and the final weights.")
    var out: String?

    @Option(help: "Checkpoint every this many steps (with --out).")
    var checkpointEvery = 100

    @Option(help: "Evaluate on the held-out split every this many steps (default: only at the end).")
    var evalEvery: Int?

    @Flag(help: "Continue from the checkpoint in --out.")
    var resume = false

    @Flag(help: "End with one JSON line: preset, steps, initial_loss, final_loss, miou, pixel_accuracy, seconds.")
    var json = false

    func validate() throws {
        if steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps)") }
        if batch < 1 { throw ValidationError("--batch must be at least 1, got \(batch)") }
        if size < 8 { throw ValidationError("--size must be at least 8, got \(size)") }
        if let lr, !(lr > 0) { throw ValidationError("--lr must be positive, got \(lr)") }
        if resume && out == nil { throw ValidationError("--resume needs --out DIR (where the checkpoint is)") }
        if checkpointEvery < 1 { throw ValidationError("--checkpoint-every must be at least 1") }
    }

    func run() throws {
        try exitingOnInputErrors {
            guard let preset = Presets.named(model) else { throw TrainingSetupError.unknownPreset(model) }
            let source = try DataSource(parsing: data)
            let trainingData = try source.load(size: size, seed: seed)
            var recipe = TrainingRecipe.forPreset(preset)
            if let lr { recipe.learningRate = lr }
            let network = DefaultGenerator.seeded(seed) { preset.make(classes: trainingData.classCount) }
            let directory = out.map { URL(fileURLWithPath: $0, isDirectory: true) }
            let options = TrainingOptions(steps: steps, batchSize: batch, seed: seed, recipe: recipe, evalEvery: evalEvery,
                                          evalWindow: 4 * size, checkpointEvery: checkpointEvery,
                                          checkpointDirectory: directory, showProgress: true)
            let trainer = try Trainer(model: network, data: trainingData, options: options, preset: preset.name)
            if resume, let directory {
                let url = directory.appendingPathComponent("checkpoint.safetensors")
                guard FileManager.default.fileExists(atPath: url.path) else {
                    throw TrainingSetupError.checkpointMismatch(path: url.path, reason: "no checkpoint to resume from")
                }
                try trainer.resume(from: url)
                FileHandle.standardError.write(Data("resuming \(preset.name) at step \(trainer.step)\n".utf8))
            }
            FileHandle.standardError.write(Data(("\(preset.name) (\(network.parameterCount.formatted()) parameters) on \(source), "
                + "\(size)×\(size), batch \(batch), \(steps) steps: \(recipe.summary)\n").utf8))
            let result = try trainer.run()
            let m = result.metrics
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(result.summary), as: UTF8.self))
            } else {
                print(String(format: "loss %.4f → %.4f; held-out mIoU %.4f, pixel accuracy %.4f, boundary F %.4f; %.1f s",
                             result.initialLoss, result.finalLoss, m.miou, m.pixelAccuracy, m.boundaryF, result.seconds))
                if let directory { print("weights: \(directory.appendingPathComponent("model.safetensors").path)") }
            }
        }
    }
}

/// Runs `body`; bad input from outside (a dataset file, a checkpoint, a preset name, a data
/// source) prints its one line naming the file on stderr and exits with status 2.
func exitingOnInputErrors(_ body: () throws -> Void) throws {
    func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
        exit(2)
    }
    do {
        try body()
    } catch let error as DatasetError {
        fail(error.description)
    } catch let error as TrainingSetupError {
        fail(error.description)
    } catch let error as StateDictMismatch {
        fail(error.description)
    } catch let error as SafetensorsError {
        fail(error.description)
    }
}
