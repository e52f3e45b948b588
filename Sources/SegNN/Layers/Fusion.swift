import SegTensor

// Inference fusion (issue 11): conv → batch norm (→ + residual) (→ ReLU) as one oneDNN convolution.
// The batch norm is folded into the convolution (w·γ/√(σ²+ε), (b − μ)·γ/√(σ²+ε) + β) and the add and
// the ReLU run as post-ops, saving a pass over the output for each. It runs only where nobody can
// tell the difference but the clock: no gradient recorded (`noGrad`), no trace (diagrams and FLOP
// counts see the separate layers), the batch norm in eval mode with running statistics. Elsewhere
// the layers run one by one, exactly as written.

/// A convolution's weight and bias with a batch norm folded in, and the versions they came from.
struct FoldedConvolution {
    var sources: [UInt64]
    var weight: Tensor
    var bias: Tensor
}

/// Whether inference fusion may run now: no gradient recorded, and no trace unless it asked for
/// fused calls (a timing profile does; a diagram's or FLOP count's trace does not).
var fusionAllowed: Bool { !isGradEnabled && Trace.allowsFusionHere }

extension BatchNorm2d {
    /// Whether this batch norm is a fixed per-channel affine map now (eval mode, running statistics).
    var isFoldable: Bool { mode == .eval && runningMean != nil && runningVar != nil }
}

extension Conv2d {
    /// `relu(bn(self(input)) + residual)`, each part optional: in inference one fused convolution,
    /// otherwise the layers in this order (the residual evaluated after the batch norm, as a
    /// block's code reads). `conv3(x, then: bn3, adding: shortcut, relu)` is ResNet's block end.
    public func callAsFunction(_ input: Tensor, then bn: BatchNorm2d?, adding residual: @autoclosure () -> Tensor? = nil,
                               _ relu: ReLU? = nil) -> Tensor {
        guard fusionAllowed, bn?.isFoldable ?? true else {
            var y = self(input)
            if let bn { y = bn(y) }
            if let r = residual() { y = y + r }
            return relu.map { $0(y) } ?? y
        }
        let (w, b) = bn.map(foldedParameters) ?? (weight, bias)
        let shortcut = residual()
        let fused = {
            input.conv2dInference(weight: w, bias: b, stride: self.stride, padding: self.padding, dilation: self.dilation,
                                  groups: self.groups, adding: shortcut, relu: relu != nil)
        }
        guard Trace.isActive else { return fused() }   // the event's name only for a timing profile
        let name = ["Conv2d", bn.map { _ in "BatchNorm2d" }, shortcut.map { _ in "add" }, relu.map { _ in "ReLU" }]
            .compactMap { $0 }.joined(separator: "+")
        return Trace.composite(name, inputs: [input] + (shortcut.map { [$0] } ?? []), fused)
    }

    /// `relu(self(input))`, fused in inference: `conv1(x, relu)`.
    public func callAsFunction(_ input: Tensor, _ relu: ReLU) -> Tensor {
        self(input, then: nil, relu)
    }

    /// This convolution's weight and bias with `bn` folded in; recomputed when any of them changed.
    private func foldedParameters(_ bn: BatchNorm2d) -> (Tensor, Tensor?) {
        let tensors = [weight, bias, bn.weight, bn.bias, bn.runningMean, bn.runningVar].compactMap { $0 }
        let sources = tensors.map(\.storage.contentVersion)
        if let folded, folded.sources == sources { return (folded.weight, folded.bias) }
        let out = outChannels, perChannel = weight.count / out
        let mean = bn.runningMean!.scalars, variance = bn.runningVar!.scalars
        let gamma = bn.weight?.scalars, beta = bn.bias?.scalars, convBias = bias?.scalars
        let w = weight.scalars
        var foldedWeight = [Float](repeating: 0, count: w.count), foldedBias = [Float](repeating: 0, count: out)
        for c in 0..<out {
            let scale = (gamma?[c] ?? 1) / (variance[c] + bn.eps).squareRoot()
            for i in c * perChannel..<(c + 1) * perChannel { foldedWeight[i] = w[i] * scale }
            foldedBias[c] = ((convBias?[c] ?? 0) - mean[c]) * scale + (beta?[c] ?? 0)
        }
        let result = FoldedConvolution(sources: sources, weight: Tensor(shape: weight.shape, scalars: foldedWeight),
                                       bias: Tensor(shape: [out], scalars: foldedBias))
        folded = result
        return (result.weight, result.bias)
    }
}
