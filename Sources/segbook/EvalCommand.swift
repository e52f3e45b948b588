import ArgumentParser
import Foundation
import SegLab
import SegModels
import SegNN

/// `segbook eval`: a preset with trained weights on a data source's held-out split.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate trained weights on a held-out split: mIoU, per-class IoU, accuracies, fwIoU, boundary F.",
        discussion: """
            --weights takes the model.safetensors that `segbook train --out` writes (a plain state dict) or its \
            checkpoint.safetensors. Images larger than 4 × --size on a side are inferred with a sliding window. \
            --crf applies the dense CRF (DeepLab's parameters) to the logits first.
            """)

    @OptionGroup var trained: TrainedModelOptions

    @Option(help: "scenes:shapes|thin|context|scales, voc:DIR or cityscapes:DIR (its val split).")
    var data: String

    @Option(help: "Scene size (and the sliding window is 4 × this).")
    var size = 64

    @Option(help: "The scenes' seed (the held-out split is derived from it, as in training).")
    var seed: UInt64 = 0

    @Option(help: "Held-out images to evaluate (default: 64 scenes, or the whole split).")
    var count: Int?

    @Flag(help: "Apply the dense CRF (Krähenbühl & Koltun 2011, DeepLab's parameters) before the argmax.")
    var crf = false

    @Flag(help: "Print one JSON object: miou, per_class_iou, pixel_accuracy, mean_accuracy, fwiou, boundary_f.")
    var json = false

    func validate() throws {
        if size < 8 { throw ValidationError("--size must be at least 8, got \(size)") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1, got \(count)") }
    }

    func run() throws {
        try exitingOnInputErrors {
            guard let preset = Presets.named(trained.model) else { throw TrainingSetupError.unknownPreset(trained.model) }
            let source = try DataSource(parsing: data)
            let trainingData = try source.load(size: size, seed: seed, heldOutCount: count ?? 64)
            let network = preset.make(classes: trainingData.classCount)
            try network.load(stateDict(at: URL(fileURLWithPath: trained.weights)), strict: true, path: trained.weights)
            let report = try Evaluation.evaluate(network, on: trainingData.heldOut, count: count, crf: crf ? DenseCRF() : nil,
                                                 window: 4 * size)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                let names = trainingData.classNames
                let n = min(count ?? trainingData.heldOut.count, trainingData.heldOut.count)
                print("\(preset.name) on \(source) (\(n) held-out images\(crf ? ", dense CRF" : ""))")
                for (name, iou) in zip(names, report.perClassIoU) {
                    print("  " + name.padding(toLength: 14, withPad: " ", startingAt: 0)
                          + (iou.isNaN ? "     –" : String(format: "%6.4f", iou)))
                }
                print(String(format: "mIoU %.4f  pixel accuracy %.4f  mean accuracy %.4f  fwIoU %.4f  boundary F %.4f",
                             report.miou, report.pixelAccuracy, report.meanAccuracy, report.fwiou, report.boundaryF))
            }
        }
    }
}
