import SegNN
import SegTensor

/// DeepLab v2 (Chen et al., TPAMI 2017): ResNet-101 at output stride 8 and atrous spatial
/// pyramid pooling in its first form — four parallel 3×3 classifiers with rates 6, 12, 18 and 24
/// whose class scores are summed (Fig. 4, ASPP-L), then upsampled bilinearly.
public final class DeepLabV2: Module, SegmentationModel {
    public let classes: Int
    /// Dilated ResNet, output stride 8.
    let backbone: ResNet
    /// Four atrous classifiers, summed.
    let aspp: SummedASPP

    public init(backbone config: ResNet.Config, classes: Int, rates: [Int] = [6, 12, 18, 24]) {
        self.classes = classes
        backbone = ResNet(config)
        aspp = SummedASPP(backbone.deepestChannels, classes: classes, rates: rates)
        super.init()
    }

    /// ResNet-101, ASPP-L (rates 6, 12, 18, 24).
    public static func resnet101(classes: Int = 21, inputChannels: Int = 3) -> DeepLabV2 {
        DeepLabV2(backbone: ResNet.Config.resnet101.dilated(outputStride: 8, inputChannels: inputChannels), classes: classes)
    }

    /// The book size: a ResNet of one basic block per stage, 8 channels wide, rates 1, 2, 3, 4.
    public static func book(classes: Int, inputChannels: Int = 3) -> DeepLabV2 {
        DeepLabV2(backbone: .book(outputStride: 8, inputChannels: inputChannels), classes: classes, rates: [1, 2, 3, 4])
    }

    public func callAsFunction(_ image: Tensor) -> Tensor {
        let features = backbone(image).deepest                     // stride 8
        return aspp(features).resized(like: image, mode: .bilinear(alignCorners: false))
    }
}

/// DeepLab v2's ASPP: one 3×3 conv with bias per rate, straight to the classes, summed
/// (keys `convs.0` ... `convs.3`).
public final class SummedASPP: Module, Layer {
    let convs: [Conv2d]

    public init(_ inChannels: Int, classes: Int, rates: [Int]) {
        convs = rates.map { Conv2d(inChannels, classes, kernelSize: 3, padding: $0, dilation: $0) }
        super.init()
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        convs.dropFirst().reduce(convs[0](x)) { $0 + $1(x) }
    }
}

extension ResNet.Config {
    /// The book backbones: one basic block per stage, 8 channels wide (64 at the deepest).
    public static func book(outputStride: Int, style: DilationStyle = .torchvision, inputChannels: Int = 3) -> ResNet.Config {
        ResNet.Config(block: .basic, depths: [1, 1, 1, 1], width: 8, inputChannels: inputChannels,
                      outputStride: outputStride, dilationStyle: style)
    }
}
