import SegNN
import SegTensor

/// conv → batch norm → ReLU, the unit of most decoders; keys `0`, `1` as the
/// `nn.Sequential(Conv2d, BatchNorm2d, ReLU)` of torchvision and smp.
public final class ConvBNReLU: Module, Layer {
    @Child(key: "0") var conv: Conv2d
    @Child(key: "1") var bn: BatchNorm2d
    let relu = ReLU()

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int = 3, stride: Int = 1, dilation: Int = 1) {
        super.init()
        _conv.wrappedValue = Conv2d(inChannels, outChannels, kernelSize: kernelSize, stride: stride,
                                    padding: dilation * (kernelSize / 2), dilation: dilation, bias: false)
        _bn.wrappedValue = BatchNorm2d(outChannels)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { conv(x, then: bn, relu) }
}

/// A depthwise k×k conv (one filter per channel) then a pointwise 1×1 conv, as smp's
/// `SeparableConv2d` (keys `0`, `1`): DeepLab v3+'s atrous separable convolution.
public final class SeparableConv2d: Module, Layer {
    @Child(key: "0") var depthwise: Conv2d
    @Child(key: "1") var pointwise: Conv2d

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int = 3, dilation: Int = 1, bias: Bool = false) {
        super.init()
        _depthwise.wrappedValue = Conv2d(inChannels, inChannels, kernelSize: kernelSize, padding: dilation * (kernelSize / 2),
                                         dilation: dilation, groups: inChannels, bias: false)
        _pointwise.wrappedValue = Conv2d(inChannels, outChannels, kernelSize: 1, bias: bias)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { pointwise(depthwise(x)) }

    /// `relu(bn(self(x)))`, the batch norm and ReLU fused into the pointwise conv in inference.
    public func callAsFunction(_ x: Tensor, then bn: BatchNorm2d, _ relu: ReLU) -> Tensor {
        pointwise(depthwise(x), then: bn, relu)
    }
}

/// Separable conv → batch norm → ReLU (smp's `ASPPSeparableConv` and decoder blocks; keys `0`, `1`).
public final class SeparableConvBNReLU: Module, Layer {
    @Child(key: "0") var conv: SeparableConv2d
    @Child(key: "1") var bn: BatchNorm2d
    let relu = ReLU()

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int = 3, dilation: Int = 1) {
        super.init()
        _conv.wrappedValue = SeparableConv2d(inChannels, outChannels, kernelSize: kernelSize, dilation: dilation)
        _bn.wrappedValue = BatchNorm2d(outChannels)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { conv(x, then: bn, relu) }
}
