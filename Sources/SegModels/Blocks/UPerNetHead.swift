import SegNN
import SegTensor

/// conv (no bias) → batch norm → ReLU, with HF UperNet's keys `conv`, `batch_norm`.
public final class UPerNetConvModule: Module, Layer {
    let conv: Conv2d
    @Child(key: "batch_norm") var bn: BatchNorm2d
    let relu = ReLU()

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, padding: Int = 0) {
        conv = Conv2d(inChannels, outChannels, kernelSize: kernelSize, padding: padding, bias: false)
        super.init()
        _bn.wrappedValue = BatchNorm2d(outChannels)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { conv(x, then: bn, relu) }
}

/// UPerNet's head (Xiao et al., ECCV 2018; HF `UperNetHead`): a pyramid pooling module on the
/// deepest stage, then a feature pyramid network down to stride 4 (lateral 1×1 convs, top-down
/// addition, 3×3 convs), all levels upsampled to stride 4, concatenated, fused, classified.
public final class UPerNetHead: Module {
    let classifier: Conv2d
    @Child(key: "psp_modules") var pyramidPooling: [PyramidPoolingBranch]
    let bottleneck: UPerNetConvModule
    @Child(key: "lateral_convs") var lateral: [UPerNetConvModule]
    @Child(key: "fpn_convs") var fpn: [UPerNetConvModule]
    @Child(key: "fpn_bottleneck") var fuse: UPerNetConvModule

    public init(inChannels: [Int], channels: Int, classes: Int, poolScales: [Int] = [1, 2, 3, 6]) {
        classifier = Conv2d(channels, classes, kernelSize: 1)
        bottleneck = UPerNetConvModule(inChannels.last! + poolScales.count * channels, channels, kernelSize: 3, padding: 1)
        super.init()
        _pyramidPooling.wrappedValue = poolScales.map { PyramidPoolingBranch(scale: $0, inChannels: inChannels.last!, channels: channels) }
        _lateral.wrappedValue = inChannels.dropLast().map { UPerNetConvModule($0, channels, kernelSize: 1) }
        _fpn.wrappedValue = inChannels.dropLast().map { _ in UPerNetConvModule(channels, channels, kernelSize: 3, padding: 1) }
        _fuse.wrappedValue = UPerNetConvModule(inChannels.count * channels, channels, kernelSize: 3, padding: 1)
    }

    public func callAsFunction(_ pyramid: FeaturePyramid) -> Tensor {
        let maps = pyramid.levels.map(\.tensor)
        // Context: pyramid pooling on the deepest map.
        let deepest = maps.last!
        let context = bottleneck(Tensor.concat([deepest] + pyramidPooling.map { $0(deepest) }, axis: 1))
        // Top-down: each lateral plus the upsampled level above it.
        var laterals = zip(maps, lateral).map { x, conv in conv(x) } + [context]
        for i in stride(from: laterals.count - 1, to: 0, by: -1) {
            laterals[i - 1] = laterals[i - 1] + laterals[i].resized(like: laterals[i - 1])
        }
        let finest = laterals[0]
        let outs = zip(laterals, fpn).map { x, conv in conv(x) } + [laterals.last!]
        let fused = fuse(Tensor.concat(outs.map { $0.resized(like: finest) }, axis: 1))
        return classifier(fused)
    }
}

/// One PPM branch: adaptive average pooling to scale×scale, 1×1 conv module, upsampled back
/// (keys `1.conv`, `1.batch_norm`: the pooling is entry 0).
final class PyramidPoolingBranch: Module {
    @Child(key: "1") var conv: UPerNetConvModule
    let scale: Int

    init(scale: Int, inChannels: Int, channels: Int) {
        self.scale = scale
        super.init()
        _conv.wrappedValue = UPerNetConvModule(inChannels, channels, kernelSize: 1)
    }

    func callAsFunction(_ x: Tensor) -> Tensor { conv(x.adaptiveAvgPool2d(outputSize: scale)).resized(like: x) }
}

/// The auxiliary FCN head on stage 3 (HF `UperNetFCNHead`: `convs.0`, `classifier`), for the aux loss.
public final class UPerNetAuxiliaryHead: Module {
    let convs: [UPerNetConvModule]
    let classifier: Conv2d

    public init(inChannels: Int, channels: Int, classes: Int) {
        convs = [UPerNetConvModule(inChannels, channels, kernelSize: 3, padding: 1)]
        classifier = Conv2d(channels, classes, kernelSize: 1)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { classifier(convs.reduce(x) { $1($0) }) }
}
