import SegNN
import SegTensor

/// PSPNet's pyramid pooling module (Zhao et al., CVPR 2017, Fig. 3): the feature map average-pooled
/// to 1×1, 2×2, 3×3 and 6×6 bins, each reduced by a 1×1 conv + BN + ReLU, upsampled back and
/// concatenated with the input. Keys as the authors' PyTorch code (hszhao/semseg): `features.i.1`
/// (conv) and `features.i.2` (BN) after the parameter-free pool at `features.i.0`.
public final class PyramidPooling: Module, Layer {
    let features: [PoolingBranch]
    public let outChannels: Int

    public init(_ inChannels: Int, reduction: Int, bins: [Int] = [1, 2, 3, 6]) {
        features = bins.map { PoolingBranch(inChannels, reduction, bin: $0) }
        outChannels = inChannels + reduction * bins.count
        super.init()
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.concat([x] + features.map { $0(x).resized(like: x, mode: .bilinear(alignCorners: true)) }, axis: 1)
    }
}

/// One pyramid level: adaptive average pool to bin×bin, 1×1 conv, BN, ReLU.
public final class PoolingBranch: Module, Layer {
    public let bin: Int
    @Child(key: "1") var conv: Conv2d
    @Child(key: "2") var bn: BatchNorm2d
    let relu = ReLU()

    public init(_ inChannels: Int, _ outChannels: Int, bin: Int) {
        self.bin = bin
        super.init()
        _conv.wrappedValue = Conv2d(inChannels, outChannels, kernelSize: 1, bias: false)
        _bn.wrappedValue = BatchNorm2d(outChannels)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        conv(x.adaptiveAvgPool2d(outputSize: bin), then: bn, relu)
    }
}
