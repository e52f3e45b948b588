import ArgumentParser
import Foundation
import SegLab
import SegModels
import SegNN
import SegTensor

/// `segbook presets`: every model the CLI and the book can build.
struct PresetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presets",
        abstract: "List every preset: architecture, parameter count and reference.")

    @Flag(help: "Print a JSON array of {name, architecture, params, classes, input_channels, input_size, reference}.")
    var json = false

    struct Entry: Encodable {
        let name, architecture, reference: String
        let params, classes, input_channels, input_size: Int
    }

    func run() throws {
        let entries = Presets.all.map { p in
            Entry(name: p.name, architecture: p.architecture, reference: p.reference, params: p.make().parameterCount,
                  classes: p.defaultClasses, input_channels: p.defaultInputChannels, input_size: p.exampleInputSize)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(entries), as: UTF8.self))
            return
        }
        let nameWidth = entries.map(\.name.count).max() ?? 0
        let archWidth = entries.map(\.architecture.count).max() ?? 0
        for e in entries {
            let params = e.params.formatted()
            print(e.name.padding(toLength: nameWidth + 2, withPad: " ", startingAt: 0)
                  + e.architecture.padding(toLength: archWidth + 2, withPad: " ", startingAt: 0)
                  + String(repeating: " ", count: max(0, 12 - params.count)) + params + "  " + e.reference)
        }
    }
}

/// `segbook infer`: a preset with given weights on a tensor from a safetensors file.
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Run a preset in eval mode on the tensor `input` of a safetensors file; write its logits as `output`.",
        discussion: """
            The output is the main logits at the input's resolution, as the reference implementations return \
            them (torchvision's `out`, smp's and mmsegmentation's resized logits).
            """)

    @OptionGroup var trained: TrainedModelOptions

    @Option(help: "A safetensors file with a tensor named `input` [N, C, H, W].")
    var input: String

    @Option(help: "Where to write the safetensors file with the tensor `output` [N, classes, H, W].")
    var output: String

    func run() throws {
        try exitingOnInputErrors {
            let (preset, network) = try trained.load()
            let inputs = try Safetensors.read(contentsOf: URL(fileURLWithPath: input))
            guard let image = inputs["input"] else {
                throw TrainingSetupError.checkpointMismatch(
                    path: input, reason: "no tensor named 'input' (found: \(inputs.keys.sorted().joined(separator: ", ")))")
            }
            guard image.rank == 4, image.shape[1] == preset.defaultInputChannels else {
                throw TrainingSetupError.checkpointMismatch(
                    path: input, reason: "'input' has shape \(image.shape); \(preset.name) takes [N, \(preset.defaultInputChannels), H, W]")
            }
            if let problem = network.inputSizeProblem(height: image.shape[2], width: image.shape[3]) {
                throw TrainingSetupError.checkpointMismatch(path: input, reason: "'input' has shape \(image.shape); \(problem)")
            }
            _ = network.eval()
            let logits = noGrad { network.logitsAtAnySize(image) }
            try Safetensors.write([("output", logits)], to: URL(fileURLWithPath: output))
            FileHandle.standardError.write(Data("\(preset.name): \(image.shape) → \(logits.shape), written to \(output)\n".utf8))
        }
    }
}

/// `segbook segment`: a preset with given weights on a PNG image, writing a palette mask.
struct SegmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Segment a PNG image with a preset and its weights; write the predicted classes as a palette PNG.",
        discussion: """
            The image is scaled to [0, 1] and normalised with ImageNet's statistics, as `segbook train` does, \
            and zero-padded at the bottom and right where the model needs another size (DeepLab v3+: multiples \
            of 16). \
            The mask's pixel values are class ids; its palette is Pascal VOC's.
            """)

    @OptionGroup var trained: TrainedModelOptions

    @Argument(help: "An 8-bit PNG image.")
    var image: String

    @Option(name: .shortAndLong, help: "Where to write the mask (a palette PNG).")
    var output: String

    func run() throws {
        try exitingOnInputErrors {
            let (preset, network) = try trained.load()
            guard !(network is VisionTransformer) else {
                throw TrainingSetupError.badSource("\(preset.name) is a backbone: it outputs tokens, not class scores to segment with")
            }
            guard preset.defaultInputChannels == 3 else {
                throw TrainingSetupError.badSource("\(preset.name) takes \(preset.defaultInputChannels)-channel input, not an RGB image")
            }
            let rgb = try PNGFile.readRGB(image)
            let plane = rgb.width * rgb.height
            let sample = SegmentationSample(imageBytes: rgb.pixels, label: [Int32](repeating: SegmentationSample.ignoreIndex, count: plane),
                                            height: rgb.height, width: rgb.width)
            _ = network.eval()
            let scores = Inference.whole(sample.imageTensor(normalization: .imageNet)) { network.logitsAtAnySize($0) }
            let labels = labelMaps(fromScores: scores)[0]
            try PNGFile.writeLabel(output, width: rgb.width, height: rgb.height, label: labels, palette: VOCDataset.palette)
            let counts = Dictionary(grouping: labels, by: { $0 }).mapValues(\.count)
            let summary = counts.keys.sorted().map { "class \($0): \(String(format: "%.1f", 100 * Double(counts[$0]!) / Double(plane)))%" }
            FileHandle.standardError.write(Data("\(preset.name): \(rgb.width)×\(rgb.height) → \(output) (\(summary.joined(separator: ", ")))\n".utf8))
        }
    }
}

/// `--model PRESET --weights W.safetensors`, shared by `eval`, `infer` and `segment`.
struct TrainedModelOptions: ParsableArguments {
    @Option(help: "The preset the weights belong to.")
    var model: String

    @Option(help: "A safetensors state dict, or a `segbook train` checkpoint.")
    var weights: String

    /// The preset built with the class count of the weights and loaded from them (strictly: every
    /// name and shape).
    func load() throws -> (Preset, any SegmentationModel) {
        guard let preset = Presets.named(model) else { throw TrainingSetupError.unknownPreset(model) }
        let state = try stateDict(at: URL(fileURLWithPath: weights))
        let network = preset.make(classes: classCount(in: state, preset: preset))
        try network.load(state, strict: true, path: weights)
        return (preset, network)
    }
}

/// The model's tensors in a safetensors file: a plain state dict, or the `model.*` part of a
/// `segbook train` checkpoint.
func stateDict(at url: URL) throws -> [String: Tensor] {
    let file = try SafetensorsFile(contentsOf: url)
    var tensors = file.tensors()
    if tensors.keys.contains(where: { $0.hasPrefix("model.") }) && file.metadata["step"] != nil {
        tensors = Dictionary(uniqueKeysWithValues: tensors.compactMap { key, value in
            key.hasPrefix("model.") ? (String(key.dropFirst(6)), value) : nil
        })
    }
    return tensors
}

/// The number of classes a state dict was trained for: the preset's own count unless the
/// weights' classifier says otherwise (found by building the preset and comparing shapes).
func classCount(in state: [String: Tensor], preset: Preset) -> Int {
    let reference = preset.make().stateDict()
    for (key, tensor) in reference where tensor.shape.first == preset.defaultClasses {
        if let other = state[key], other.shape.count == tensor.shape.count, other.shape.dropFirst() == tensor.shape.dropFirst() {
            return other.shape[0]
        }
    }
    return preset.defaultClasses
}
