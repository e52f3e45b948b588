import SegNN
import SegTensor

/// Atrous spatial pyramid pooling with image-level features (DeepLab v3, Chen et al. 2017):
/// parallel 1×1 and three atrous 3×3 branches and a global-average-pooled branch, concatenated
/// and projected to one width. Keys as torchvision's and smp's `ASPP` (`convs.0`...`convs.4`,
/// `project.0`, `project.1`); smp's DeepLab v3+ makes the atrous branches depthwise-separable.
public final class ASPP: Module, Layer {
    /// 1×1, then one branch per rate, then image pooling.
    let convs: [any Layer]
    let project: ASPPProjection

    public init(_ inChannels: Int, _ outChannels: Int = 256, rates: [Int] = [12, 24, 36], separable: Bool = false,
                dropout: Float = 0.5) {
        var branches: [any Layer] = [ConvBNReLU(inChannels, outChannels, kernelSize: 1)]
        for rate in rates {
            branches.append(separable
                ? SeparableConvBNReLU(inChannels, outChannels, dilation: rate)
                : ConvBNReLU(inChannels, outChannels, dilation: rate))
        }
        branches.append(ASPPPooling(inChannels, outChannels))
        convs = branches
        project = ASPPProjection(outChannels * branches.count, outChannels, dropout: dropout)
        super.init()
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        project(Tensor.concat(convs.map { $0(x) }, axis: 1))
    }
}

/// Image-level features: global average pool, 1×1 conv, BN, ReLU, broadcast back to the input's
/// size (keys `1`, `2` after the parameter-free pool at `0`).
public final class ASPPPooling: Module, Layer {
    @Child(key: "1") var conv: Conv2d
    @Child(key: "2") var bn: BatchNorm2d
    let relu = ReLU()

    public init(_ inChannels: Int, _ outChannels: Int) {
        super.init()
        _conv.wrappedValue = Conv2d(inChannels, outChannels, kernelSize: 1, bias: false)
        _bn.wrappedValue = BatchNorm2d(outChannels)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let pooled = conv(x.adaptiveAvgPool2d(outputSize: 1), then: bn, relu)
        return pooled.resized(like: x, mode: .bilinear(alignCorners: false))
    }
}

/// 1×1 conv → BN → ReLU → dropout over the concatenated branches (keys `0`, `1`).
public final class ASPPProjection: Module, Layer {
    @Child(key: "0") var conv: Conv2d
    @Child(key: "1") var bn: BatchNorm2d
    let relu = ReLU()
    @Child(key: "3") var dropout: Dropout

    public init(_ inChannels: Int, _ outChannels: Int, dropout: Float) {
        super.init()
        _conv.wrappedValue = Conv2d(inChannels, outChannels, kernelSize: 1, bias: false)
        _bn.wrappedValue = BatchNorm2d(outChannels)
        _dropout.wrappedValue = Dropout(p: dropout)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { dropout(conv(x, then: bn, relu)) }
}
