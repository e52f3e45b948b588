import Foundation
import SegModels
import SegNN
import SegTensor
import Testing

/// The presets whose reference is a library: their state dicts must be the library's, key for key
/// and shape for shape (so its checkpoints load with strict: true), and their outputs the
/// library's with the same weights (fixtures: tools/reference/make_cnn_fixtures.py).
@Suite(.serialized) struct LibraryParityTests {
    static let presets = ["fcn-resnet50", "fcn-resnet101", "deeplabv3-resnet50", "deeplabv3-resnet101", "deeplabv3plus-resnet50"]

    @Test(arguments: presets)
    func stateDictMatchesTheLibrary(preset: String) throws {
        let model = Presets.named(preset)!.make()
        let ours = model.stateDict().map { ($0.0, $0.1.shape) }
        let theirs = try Fixtures.keys(preset)
        let oursByKey = Dictionary(uniqueKeysWithValues: ours)
        let theirsByKey = Dictionary(uniqueKeysWithValues: theirs)
        let missing = theirs.map(\.0).filter { oursByKey[$0] == nil }
        let unexpected = ours.map(\.0).filter { theirsByKey[$0] == nil }
        let wrongShape = theirs.filter { key, shape in oursByKey[key].map { $0 != shape } ?? false }.map(\.0)
        #expect(missing.isEmpty, "missing: \(missing.prefix(10))")
        #expect(unexpected.isEmpty, "unexpected: \(unexpected.prefix(10))")
        #expect(wrongShape.isEmpty, "wrong shapes: \(wrongShape.prefix(10))")
        #expect(ours.count == theirs.count)
    }

    @Test(arguments: presets)
    func outputsMatchTheLibrary(preset: String) throws {
        let model = Presets.named(preset)!.make()
        DeterministicWeights.fill(model)
        model.eval()
        let io = try Fixtures.tensors("\(preset).io.safetensors")
        let input = try #require(io["input"])
        let outputs = noGrad { model.outputs(input) }
        let expected = try #require(io["output"])
        #expect(outputs.main.shape == expected.shape)
        let mainDifference = relativeMaxDifference(outputs.main, expected)
        #expect(mainDifference < 1e-4, "\(preset): main output differs by \(mainDifference) (relative to max |output|)")
        var report = "parity \(preset): output \(mainDifference)"
        if let expectedAux = io["aux"] {
            let aux = try #require(outputs.aux)
            let auxDifference = relativeMaxDifference(aux, expectedAux)
            #expect(auxDifference < 1e-4, "\(preset): aux output differs by \(auxDifference)")
            report += ", aux \(auxDifference)"
        }
        print(report)
    }

    @Test func aCheckpointLoadsStrictlyThroughSafetensors() throws {
        // The library's keys and our weights written as safetensors, read back into a fresh model.
        let source = DeepLabV3Plus.resnet50(classes: 21)
        DeterministicWeights.fill(source)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("segmodels-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try source.save(to: url)
        let target = DeepLabV3Plus.resnet50(classes: 21)
        let report = try target.load(contentsOf: url, strict: true)
        #expect(report.missing.isEmpty && report.unexpected.isEmpty)
        let key = "decoder.block2.0.0.weight"
        let a = source.stateDict().first { $0.0 == key }!.1, b = target.stateDict().first { $0.0 == key }!.1
        #expect(a.scalars == b.scalars)
    }
}
