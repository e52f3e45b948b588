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

        let scene = Scenes(.shapes, size: 48, seed: 1).sample(0)
        let plane = 48 * 48  // the sample is planar RGB in [0, 1]; a PNG is interleaved bytes
        let pixels = (0..<(3 * plane)).map { UInt8((scene.image[($0 % 3) * plane + $0 / 3] * 255).rounded()) }
        try PNGFile.writeRGB(sandbox.root + "/scene.png", width: 48, height: 48, pixels: pixels)
        let segmented = try sandbox.segbook("segment", "--model", "deeplabv3plus-book", "--weights", "run/model.safetensors",
                                            "scene.png", "-o", "mask.png")
        #expect(segmented.status == 0, "\(segmented.stderr)")
        let mask = try PNGFile.readLabel(sandbox.root + "/mask.png")
        #expect(mask.width == 48 && mask.height == 48)
        #expect(mask.ids.allSatisfy { $0 < 6 })
        #expect(mask.palette != nil, "a palette PNG")
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
