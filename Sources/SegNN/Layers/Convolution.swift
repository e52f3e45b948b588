import SegTensor

/// 2-D convolution (torch.nn.Conv2d). Weight [out, in/groups, kh, kw], bias [out]; initialised as
/// PyTorch's `reset_parameters`: kaiming-uniform with a = √5, i.e. U(−1/√fanIn, 1/√fanIn) with
/// fanIn = in/groups · kh · kw, for weight and bias alike.
public final class Conv2d: Module, Layer {
    override public var settingsDescription: String {
        var s = "\(inChannels), \(outChannels), kernel_size=\(pairDescription(kernelSize)), stride=\(pairDescription(stride))"
        if padding != (0, 0) { s += ", padding=\(pairDescription(padding))" }
        if dilation != (1, 1) { s += ", dilation=\(pairDescription(dilation))" }
        if groups != 1 { s += ", groups=\(groups)" }
        return s + (bias == nil ? ", bias=False" : "")
    }

    public var weight: Tensor
    public var bias: Tensor?
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let dilation: (Int, Int)
    public let groups: Int
    /// The weights with a following batch norm folded in, for inference fusion (Fusion.swift);
    /// dropped on return to train mode, where they would only take memory.
    var folded: FoldedConvolution?
    override public var mode: Mode {
        didSet { if mode == .train { folded = nil } }
    }

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true) {
        precondition(groups >= 1 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2d: groups \(groups) must divide in channels \(inChannels) and out channels \(outChannels)")
        precondition(kernelSize.0 >= 1 && kernelSize.1 >= 1 && stride.0 >= 1 && stride.1 >= 1 && dilation.0 >= 1 && dilation.1 >= 1
                     && padding.0 >= 0 && padding.1 >= 0,
                     "Conv2d: kernel \(kernelSize), stride \(stride), padding \(padding), dilation \(dilation) out of range")
        let fanIn = inChannels / groups * kernelSize.0 * kernelSize.1
        let bound = fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
        (weight, self.bias) = DefaultGenerator.with { g in
            (Tensor.uniform([outChannels, inChannels / groups, kernelSize.0, kernelSize.1], low: -bound, high: bound, generator: &g).requiringGrad(),
             bias ? Tensor.uniform([outChannels], low: -bound, high: bound, generator: &g).requiringGrad() : nil)
        }
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }

    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
                  padding: (padding, padding), dilation: (dilation, dilation), groups: groups, bias: bias)
    }

    public var inChannels: Int { weight.shape[1] * groups }
    public var outChannels: Int { weight.shape[0] }
    public var kernelSize: (Int, Int) { (weight.shape[2], weight.shape[3]) }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        traced(input) { input.conv2d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups) }
    }
}

/// Transposed 2-D convolution (torch.nn.ConvTranspose2d): weight [in, out/groups, kh, kw]; output
/// size (H−1)·stride − 2·padding + dilation·(k−1) + outputPadding + 1. Initialised as PyTorch:
/// U(−1/√fanIn, 1/√fanIn) with PyTorch's fanIn for this weight layout, out/groups · kh · kw.
public final class ConvTranspose2d: Module, Layer {
    override public var settingsDescription: String {
        var s = "\(inChannels), \(outChannels), kernel_size=\(pairDescription(kernelSize)), stride=\(pairDescription(stride))"
        if padding != (0, 0) { s += ", padding=\(pairDescription(padding))" }
        if outputPadding != (0, 0) { s += ", output_padding=\(pairDescription(outputPadding))" }
        if dilation != (1, 1) { s += ", dilation=\(pairDescription(dilation))" }
        if groups != 1 { s += ", groups=\(groups)" }
        return s + (bias == nil ? ", bias=False" : "")
    }

    public var weight: Tensor
    public var bias: Tensor?
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let outputPadding: (Int, Int)
    public let dilation: (Int, Int)
    public let groups: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), outputPadding: (Int, Int) = (0, 0), groups: Int = 1, bias: Bool = true,
                dilation: (Int, Int) = (1, 1)) {
        precondition(groups >= 1 && inChannels % groups == 0 && outChannels % groups == 0,
                     "ConvTranspose2d: groups \(groups) must divide in channels \(inChannels) and out channels \(outChannels)")
        precondition(outputPadding.0 < max(stride.0, dilation.0) && outputPadding.1 < max(stride.1, dilation.1),
                     "ConvTranspose2d: output padding \(outputPadding) must be smaller than stride \(stride) or dilation \(dilation)")
        let fanIn = outChannels / groups * kernelSize.0 * kernelSize.1
        let bound = fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
        (weight, self.bias) = DefaultGenerator.with { g in
            (Tensor.uniform([inChannels, outChannels / groups, kernelSize.0, kernelSize.1], low: -bound, high: bound, generator: &g).requiringGrad(),
             bias ? Tensor.uniform([outChannels], low: -bound, high: bound, generator: &g).requiringGrad() : nil)
        }
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.dilation = dilation
        self.groups = groups
    }

    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            outputPadding: Int = 0, groups: Int = 1, bias: Bool = true, dilation: Int = 1) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
                  padding: (padding, padding), outputPadding: (outputPadding, outputPadding), groups: groups, bias: bias,
                  dilation: (dilation, dilation))
    }

    public var inChannels: Int { weight.shape[0] }
    public var outChannels: Int { weight.shape[1] * groups }
    public var kernelSize: (Int, Int) { (weight.shape[2], weight.shape[3]) }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        traced(input) { input.convTranspose2d(weight: weight, bias: bias, stride: stride, padding: padding,
                                              outputPadding: outputPadding, groups: groups, dilation: dilation) }
    }
}
