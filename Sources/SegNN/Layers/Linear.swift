import SegTensor

/// y = x Wᵀ + b over the last axis (torch.nn.Linear). Weight [out, in], initialised as PyTorch's
/// `reset_parameters`: U(−1/√in, 1/√in) for weight and bias.
public final class Linear: Module, Layer {
    override public var settingsDescription: String {
        "in_features=\(inFeatures), out_features=\(outFeatures), bias=\(bias != nil ? "True" : "False")"
    }

    public var weight: Tensor
    public var bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) {
        let bound = 1 / Float(inFeatures).squareRoot()
        (weight, self.bias) = DefaultGenerator.with { g in
            (Tensor.uniform([outFeatures, inFeatures], low: -bound, high: bound, generator: &g).requiringGrad(),
             bias ? Tensor.uniform([outFeatures], low: -bound, high: bound, generator: &g).requiringGrad() : nil)
        }
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.shape.last == inFeatures, "Linear: input \(input.shape) has last dimension \(input.shape.last ?? 0), weight \(weight.shape) expects \(inFeatures)")
        return input.linear(weight: weight, bias: bias)
    }
}
