import Foundation
import SegLab
import SegModels
import SegNN
import SegTensor
import Testing

/// `segbook presets`, `infer` and `segment` through the binary: real weights from `segbook train`,
/// real files in, checked files out, and one-line errors for bad input.
@Suite struct ModelCommandTests {
    @Test func presetsListsEveryPresetWithItsReferenceCount() throws {
        let sandbox = Sandbox()
        let result = try sandbox.segbook("presets", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let entries = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let params = Dictionary(uniqueKeysWithValues: entries.map { ($0["name"] as! String, $0["params"] as! Int) })
        #expect(params.count == entries.count, "names are unique")
        #expect(params["unet"] == 31_030_658)                   // Ronneberger et al.: arithmetic of Fig. 1
        #expect(params["deeplabv3plus-resnet50"] == 26_682_725) // smp DeepLabV3Plus("resnet50", classes=21)
        #expect(params["segformer-b0"] == 3_752_694)             // HF SegformerForSemanticSegmentation, 150 classes
        #expect(entries.allSatisfy { ($0["reference"] as? String)?.isEmpty == false })
        let table = try sandbox.segbook("presets")
        #expect(table.stdout.split(separator: "\n").count == entries.count)
    }

    /// Trains unet-book for one step (to get a weights file as users do), then infers and segments with it.
    @Test func inferAndSegmentRunTrainedWeights() throws {
        let sandbox = Sandbox()
        let trained = try sandbox.segbook("train", "--model", "deeplabv3plus-book", "--data", "scenes:shapes", "--steps", "1",
                                          "--size", "32", "--batch", "2", "--out", "run")
        #expect(trained.status == 0, "\(trained.stderr)")
        var generator = SeededGenerator(seed: 3)
        let image = Tensor.uniform([1, 3, 32, 48], low: -1, high: 1, generator: &generator)
        try Safetensors.write([("input", image)], to: URL(fileURLWithPath: sandbox.root + "/in.safetensors"))

        let inferred = try sandbox.segbook("infer", "--model", "deeplabv3plus-book", "--weights", "run/model.safetensors",
                                           "--input", "in.safetensors", "--output", "out.safetensors")
        #expect(inferred.status == 0, "\(inferred.stderr)")
        let output = try #require(try Safetensors.read(contentsOf: URL(fileURLWithPath: sandbox.root + "/out.safetensors"))["output"])
        // scenes:shapes has 6 classes: the class count comes from the weights, the size from the input.
        #expect(output.shape == [1, 6, 32, 48])

        // The same weights loaded here give the same logits.
        let model = Presets.named("deeplabv3plus-book")!.make(classes: 6)
        try model.load(Safetensors.read(contentsOf: URL(fileURLWithPath: sandbox.root + "/run/model.safetensors")), strict: true)
        _ = model.eval()
        let expected = noGrad { model(image) }
        #expect(output.maxAbsDifference(expected) < 1e-4)

        // DeepLab v3+ takes multiples of its output stride, 16, as smp: infer says so in one line.
        try Safetensors.write([("input", image.sliced(axis: 2, range: 0..<30))], to: URL(fileURLWithPath: sandbox.root + "/odd.safetensors"))
        let odd = try sandbox.segbook("infer", "--model", "deeplabv3plus-book", "--weights", "run/model.safetensors",
                                      "--input", "odd.safetensors", "--output", "odd-out.safetensors")
        #expect(odd.status == 2)
        #expect(odd.stderr.contains("odd.safetensors") && odd.stderr.contains("height 30") && odd.stderr.contains("output stride 16"),
                "\(odd.stderr)")
        #expect(odd.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1)
        #expect(!sandbox.exists("odd-out.safetensors"))

        // segment pads a 50×44 image to 64×48 and crops the mask back.
        let (side, height) = (50, 44)
        let scene = Scenes(.shapes, size: side, seed: 1).sample(0)
        let plane = side * side  // the sample is planar RGB in [0, 1]; a PNG is interleaved bytes
        let pixels = (0..<(3 * side * height)).map { UInt8((scene.image[($0 % 3) * plane + $0 / 3] * 255).rounded()) }
        try PNGFile.writeRGB(sandbox.root + "/scene.png", width: side, height: height, pixels: pixels)
        let segmented = try sandbox.segbook("segment", "--model", "deeplabv3plus-book", "--weights", "run/model.safetensors",
                                            "scene.png", "-o", "mask.png")
        #expect(segmented.status == 0, "\(segmented.stderr)")
        let mask = try PNGFile.readLabel(sandbox.root + "/mask.png")
        #expect(mask.width == side && mask.height == height)
        #expect(mask.ids.allSatisfy { $0 < 6 })
        #expect(mask.palette != nil, "a palette PNG")
    }

    /// The transformer book sizes through the same commands: one training step, then `infer` at a
    /// size that is not a multiple of their patch, against the same weights in process; `segment` on
    /// a PNG of another odd size; `summary`.
    @Test(arguments: ["vit-book", "setr-book", "segmenter-book", "swin-book", "segformer-book"])
    func transformerPresetsTrainInferAndSummarise(preset: String) throws {
        let sandbox = Sandbox()
        let trained = try sandbox.segbook("train", "--model", preset, "--data", "scenes:shapes", "--steps", "1",
                                          "--size", "32", "--batch", "2", "--out", "run", "--json")
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stdout.contains("\"preset\":\"\(preset)\""))
        var generator = SeededGenerator(seed: 5)
        let image = Tensor.uniform([1, 3, 36, 44], low: -1, high: 1, generator: &generator)
        try Safetensors.write([("input", image)], to: URL(fileURLWithPath: sandbox.root + "/in.safetensors"))
        let inferred = try sandbox.segbook("infer", "--model", preset, "--weights", "run/model.safetensors",
                                           "--input", "in.safetensors", "--output", "out.safetensors")
        #expect(inferred.status == 0, "\(inferred.stderr)")
        let output = try #require(try Safetensors.read(contentsOf: URL(fileURLWithPath: sandbox.root + "/out.safetensors"))["output"])
        #expect(output.shape == [1, 6, 36, 44])
        let model = Presets.named(preset)!.make(classes: 6)
        try model.load(Safetensors.read(contentsOf: URL(fileURLWithPath: sandbox.root + "/run/model.safetensors")), strict: true)
        _ = model.eval()
        let expected = noGrad { () -> Tensor in
            let scores = model(image)
            return scores.shape[2] == 36 && scores.shape[3] == 44 ? scores : scores.resized(to: (36, 44))
        }
        #expect(output.maxAbsDifference(expected) < 1e-4)
        let pixels = (0..<(3 * 44 * 36)).map { UInt8(($0 * 37) % 251) }
        try PNGFile.writeRGB(sandbox.root + "/image.png", width: 44, height: 36, pixels: pixels)
        let segmented = try sandbox.segbook("segment", "--model", preset, "--weights", "run/model.safetensors", "image.png", "-o", "mask.png")
        #expect(segmented.status == 0, "\(segmented.stderr)")
        let mask = try PNGFile.readLabel(sandbox.root + "/mask.png")
        #expect(mask.width == 44 && mask.height == 36 && mask.ids.allSatisfy { $0 < 6 })
        let summary = try sandbox.segbook("summary", preset, "--json")
        #expect(summary.status == 0, "\(summary.stderr)")
        let fields = try #require(JSONSerialization.jsonObject(with: Data(summary.stdout.utf8)) as? [String: Any])
        #expect(fields["params"] as? Int == Presets.named(preset)!.make().parameterCount)
    }

    @Test func badInputIsOneLineNamingTheFile() throws {
        let sandbox = Sandbox()
        sandbox.write("junk.safetensors", "not a safetensors file")
        let unknown = try sandbox.segbook("infer", "--model", "no-such-net", "--weights", "junk.safetensors",
                                          "--input", "junk.safetensors", "--output", "o.safetensors")
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown preset 'no-such-net'"))
        let corrupt = try sandbox.segbook("infer", "--model", "unet-book", "--weights", "junk.safetensors",
                                          "--input", "junk.safetensors", "--output", "o.safetensors")
        #expect(corrupt.status == 2)
        #expect(corrupt.stderr.contains("junk.safetensors"))
        #expect(corrupt.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1)
        #expect(!sandbox.exists("o.safetensors"), "nothing written")
        let missingImage = try sandbox.segbook("segment", "--model", "unet-book", "--weights", "junk.safetensors", "nope.png", "-o", "m.png")
        #expect(missingImage.status == 2)
    }
}
