import Foundation
import SegModels
import SegNN
import SegTensor
import Testing

/// Small configurations built by the same library classes as the presets (timm
/// `VisionTransformer`, HF `SegformerForSemanticSegmentation`, HF `UperNetForSemanticSegmentation`
/// with a `SwinConfig`): our state dicts must be theirs key for key, and with the same
/// deterministic weights our outputs theirs, at the configuration's size and at another
/// (positional-embedding resizing, Swin padding). Fixtures: tools/reference/make_transformer_fixtures.py.
@Suite(.serialized) struct TransformerParityTests {
    static func tiny(_ name: String) -> Module {
        switch name {
        case "vit-tiny":
            return VisionTransformer(.init(imageSize: 32, patchSize: 8, embedDim: 64, depth: 2, heads: 4))
        case "segformer-tiny":
            return SegFormer(.init(hiddenSizes: [16, 32, 40, 64], depths: [1, 2, 1, 1], heads: [1, 2, 2, 4]), decoderWidth: 32, classes: 5)
        case "swin-upernet-tiny":
            return SwinUPerNet(.init(embedDim: 16, depths: [2, 2, 2, 2], heads: [1, 2, 2, 4], windowSize: 2),
                               classes: 5, channels: 32, auxiliaryChannels: 16)
        default: fatalError("no tiny model \(name)")
        }
    }

    static let names = ["vit-tiny", "segformer-tiny", "swin-upernet-tiny"]

    @Test(arguments: names)
    func stateDictMatchesTheLibrary(name: String) throws {
        let ours = Self.tiny(name).stateDict().map { ($0.0, $0.1.shape) }
        let theirs = try Fixtures.keys("transformers/\(name)")
        let oursByKey = Dictionary(uniqueKeysWithValues: ours)
        let theirsByKey = Dictionary(uniqueKeysWithValues: theirs)
        let missing = theirs.map(\.0).filter { oursByKey[$0] == nil }
        let unexpected = ours.map(\.0).filter { theirsByKey[$0] == nil }
        let wrongShape = theirs.filter { key, shape in oursByKey[key].map { $0 != shape } ?? false }.map { "\($0.0) \($0.1)" }
        #expect(missing.isEmpty, "missing: \(missing.prefix(10))")
        #expect(unexpected.isEmpty, "unexpected: \(unexpected.prefix(10))")
        #expect(wrongShape.isEmpty, "wrong shapes: \(wrongShape.prefix(10))")
    }

    @Test(arguments: names)
    func outputsMatchTheLibrary(name: String) throws {
        let model = Self.tiny(name)
        DeterministicWeights.fill(model)
        model.eval()
        let io = try Fixtures.tensors("transformers/\(name).io.safetensors")
        for tag in ["a", "b"] {
            let input = try #require(io["input_\(tag)"])
            let expected = try #require(io["output_\(tag)"])
            let output: Tensor = noGrad {
                if let m = model as? any SegmentationModel { return m(input) }
                fatalError("not a model")
            }
            #expect(output.shape == expected.shape)
            guard output.shape == expected.shape else { continue }
            let difference = relativeMaxDifference(output, expected)
            #expect(difference < 1e-4, "\(name) at \(input.shape): output differs by \(difference) (relative to max |output|)")
            print("parity \(name) input \(input.shape): \(difference)")
        }
    }
}
