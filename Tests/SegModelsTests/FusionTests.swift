import Foundation
@testable import SegModels
import SegNN
import SegTensor
import Testing

/// Inference fusion (conv → batch norm → + residual → ReLU as one oneDNN convolution) must change
/// nothing but the time: under `noGrad` in eval mode each book preset gives the layer-by-layer
/// result (eval mode with gradients recorded runs the layers one by one) to rounding, with
/// non-trivial batch-norm statistics; and weights or statistics changed after a fused forward are seen.
@Suite(.serialized) struct FusionTests {
    static let presets = ["fcn8s-book", "unet-book", "segnet-book", "deeplabv1-book", "deeplabv2-book",
                          "deeplabv3-book", "deeplabv3plus-book", "pspnet-book", "segformer-b0"]

    /// Random running statistics and affine parameters, so that folding is not the identity.
    static func randomizeBatchNorms(_ model: Module, seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        for (key, tensor) in model.stateDict() where key.hasSuffix("running_mean") || key.hasSuffix("running_var") {
            let low: Float = key.hasSuffix("running_var") ? 0.5 : -0.5
            tensor.assign(Tensor.uniform(tensor.shape, low: low, high: 1.5, generator: &g))
        }
        for (_, bn) in model.modules(ofType: BatchNorm2d.self) {
            bn.weight?.assign(Tensor.uniform(bn.weight!.shape, low: 0.5, high: 1.5, generator: &g))
            bn.bias?.assign(Tensor.uniform(bn.bias!.shape, low: -0.5, high: 0.5, generator: &g))
        }
    }

    @Test(arguments: presets)
    func fusedInferenceEqualsTheLayers(preset: String) throws {
        let p = try #require(Presets.named(preset))
        let model = p.make()
        Self.randomizeBatchNorms(model, seed: 7)
        model.eval()
        var g = SeededGenerator(seed: 1)
        let x = Tensor.uniform([1, p.defaultInputChannels, 64, 64], low: -1, high: 1, generator: &g)
        if let segnet = model as? SegNet {
            // Max-pooling's argmax is discontinuous: every 64² input has windows whose top two
            // values are within 5e-6 of each other, where two computations that agree to rounding
            // may unpool to different positions. Both decoders get the same positions.
            let layered = segnet.encoder.encodeWithPoolIndices(x)
            let fused = noGrad { segnet.encoder.encodeWithPoolIndices(x) }
            for (level, (a, b)) in zip(fused, layered).enumerated() {
                let difference = relativeMaxDifference(a.pooled, b.pooled)
                #expect(difference < 1e-5, "segnet: fused encoder level \(level + 1) differs by \(difference)")
            }
            let difference = relativeMaxDifference(noGrad { segnet.decode(layered) }, segnet.decode(layered))
            #expect(difference < 1e-5, "segnet: fused decoder differs by \(difference)")
            return
        }
        let layered = model(x).detached()
        let fused = noGrad { model(x) }
        let difference = relativeMaxDifference(fused, layered)
        #expect(difference < 1e-5, "\(preset): fused inference differs by \(difference)")
    }

    @Test func aFusedForwardSeesNewWeightsAndStatistics() throws {
        let model = try #require(Presets.named("deeplabv3-book")).make()
        Self.randomizeBatchNorms(model, seed: 3)
        model.eval()
        var g = SeededGenerator(seed: 2)
        let x = Tensor.uniform([1, 3, 64, 64], low: -1, high: 1, generator: &g)
        let before = noGrad { model(x) }
        Self.randomizeBatchNorms(model, seed: 4)   // in-place writes: new content versions
        let after = noGrad { model(x) }
        let layered = model(x).detached()
        #expect(relativeMaxDifference(after, layered) < 1e-5)
        #expect(relativeMaxDifference(before, after) > 1e-3, "the second forward reused stale folded weights")
    }

    @Test func aTraceSeesEveryLayerUnlessItAsksForFusion() throws {
        let model = try #require(Presets.named("deeplabv3-book")).make()
        model.eval()
        let x = Tensor.zeros([1, 3, 32, 32])
        let plain = noGrad { Trace.recording { model(x) } }.recorder.events
        let fused = noGrad { Trace.recording(allowingFusion: true) { model(x) } }.recorder.events
        #expect(plain.contains { $0.module is BatchNorm2d })
        #expect(!fused.contains { $0.module is BatchNorm2d })
        #expect(fused.contains { $0.op == "Conv2d+BatchNorm2d+add+ReLU" })
    }
}
