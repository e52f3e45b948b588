import SegTensor

/// max(x, 0), elementwise (torch.nn.ReLU).
public final class ReLU: Module, Layer {
    override public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.relu() }
}

/// Gaussian error linear unit (torch.nn.GELU): exact (erf) by default, or the tanh approximation.
public final class GELU: Module, Layer {
    public let approximateTanh: Bool
    public init(approximate: String = "none") {
        precondition(approximate == "none" || approximate == "tanh", "GELU: approximate must be \"none\" or \"tanh\", got \"\(approximate)\"")
        approximateTanh = approximate == "tanh"
    }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.gelu(approximate: approximateTanh) }
}

/// Logistic sigmoid, elementwise (torch.nn.Sigmoid).
public final class Sigmoid: Module, Layer {
    override public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.sigmoid() }
}

/// Hyperbolic tangent, elementwise (torch.nn.Tanh).
public final class Tanh: Module, Layer {
    override public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.tanh() }
}

/// max(x, 0) + slope · min(x, 0) (torch.nn.LeakyReLU).
public final class LeakyReLU: Module, Layer {
    public let negativeSlope: Float
    public init(negativeSlope: Float = 0.01) { self.negativeSlope = negativeSlope }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.leakyRelu(slope: negativeSlope) }
}
