import SegNN
import SegTensor

/// DeepLab v3+ (Chen et al., ECCV 2018), as segmentation_models_pytorch's `DeepLabV3Plus`: a
/// ResNet encoder at output stride 16, ASPP with depthwise-separable atrous branches, and a
/// light decoder that upsamples the context ×4, concatenates the stride-4 features projected to
/// 48 channels, refines with a separable 3×3 conv, classifies, and upsamples ×4.
public final class DeepLabV3Plus: Module, SegmentationModel {
    public let classes: Int
    /// ResNet at output stride 16 (smp's `make_dilated`: every block of layer4 at rate 2).
    let encoder: ResNet
    let decoder: DeepLabV3PlusDecoder
    @Child(key: "segmentation_head") var segmentationHead: SegmentationHead

    public init(encoder config: ResNet.Config, classes: Int, width: Int = 256, rates: [Int] = [12, 24, 36],
                lowLevelWidth: Int = 48) {
        self.classes = classes
        encoder = ResNet(config)
        decoder = DeepLabV3PlusDecoder(deepChannels: encoder.deepestChannels, lowLevelChannels: encoder.channels(atStride: 4),
                                       width: width, rates: rates, lowLevelWidth: lowLevelWidth,
                                       contextUpsampling: config.outputStride / 4)
        super.init()
        _segmentationHead.wrappedValue = SegmentationHead(width, classes, upsampling: 4)
    }

    /// smp `DeepLabV3Plus("resnet50", encoder_weights=None, classes: classes)`.
    public static func resnet50(classes: Int = 21, inputChannels: Int = 3) -> DeepLabV3Plus {
        DeepLabV3Plus(encoder: ResNet.Config.resnet50.dilated(outputStride: 16, style: .uniform, inputChannels: inputChannels),
                      classes: classes)
    }

    /// The book size: the book ResNet at stride 16, 32-channel ASPP and decoder, 8-channel projection.
    public static func book(classes: Int, inputChannels: Int = 3) -> DeepLabV3Plus {
        DeepLabV3Plus(encoder: .book(outputStride: 16, style: .uniform, inputChannels: inputChannels), classes: classes,
                      width: 32, rates: [2, 4, 6], lowLevelWidth: 8)
    }

    /// The context, upsampled ×(stride/4), must meet the stride-4 features exactly: sides are
    /// multiples of the output stride (smp raises the same error).
    public func inputSideProblem(_ side: Int) -> String? {
        let stride = encoder.config.outputStride
        return side % stride == 0 ? nil : "DeepLab v3+ needs a multiple of its output stride \(stride)"
    }

    public func callAsFunction(_ image: Tensor) -> Tensor {
        let pyramid = encoder(image)                                    // strides 2, 4, 8, 16, 16
        let refined = decoder(pyramid.deepest, lowLevel: pyramid.stride(4))
        return segmentationHead(refined)
    }
}

/// ASPP and its refinement, then the decoder (smp's `DeepLabV3PlusDecoder`: `aspp`, `up`,
/// `block1`, `block2`).
public final class DeepLabV3PlusDecoder: Module {
    /// ASPP (separable) → separable 3×3 conv → BN → ReLU (keys `0`, `1`, `2`).
    let aspp: ASPPContext
    @Constant var contextUpsampling: Int
    /// The low-level projection to 48 channels.
    let block1: ConvBNReLU
    /// Separable 3×3 conv on the concatenation.
    let block2: SeparableConvBNReLU

    public init(deepChannels: Int, lowLevelChannels: Int, width: Int, rates: [Int], lowLevelWidth: Int, contextUpsampling: Int) {
        aspp = ASPPContext(deepChannels, width, rates: rates)
        self.contextUpsampling = contextUpsampling
        block1 = ConvBNReLU(lowLevelChannels, lowLevelWidth, kernelSize: 1)
        block2 = SeparableConvBNReLU(lowLevelWidth + width, width)
        super.init()
    }

    public func callAsFunction(_ deep: Tensor, lowLevel: Tensor) -> Tensor {
        let context = aspp(deep)
        let upsampled = context.resized(to: (context.shape[2] * contextUpsampling, context.shape[3] * contextUpsampling),
                                        mode: .bilinear(alignCorners: true))
        return block2(Tensor.concat([upsampled, block1(lowLevel)], axis: 1))
    }
}

/// smp's `decoder.aspp`: ASPP with separable branches, then a separable 3×3 conv, BN, ReLU.
public final class ASPPContext: Module, Layer {
    @Child(key: "0") var aspp: ASPP
    @Child(key: "1") var conv: SeparableConv2d
    @Child(key: "2") var bn: BatchNorm2d
    let relu = ReLU()

    public init(_ inChannels: Int, _ width: Int, rates: [Int]) {
        super.init()
        _aspp.wrappedValue = ASPP(inChannels, width, rates: rates, separable: true)
        _conv.wrappedValue = SeparableConv2d(width, width)
        _bn.wrappedValue = BatchNorm2d(width)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { conv(aspp(x), then: bn, relu) }
}

/// smp's `SegmentationHead`: a conv to the classes, then bilinear upsampling (align corners).
public final class SegmentationHead: Module, Layer {
    @Child(key: "0") var conv: Conv2d
    @Constant var upsampling: Int

    public init(_ inChannels: Int, _ classes: Int, kernelSize: Int = 1, upsampling: Int) {
        self.upsampling = upsampling
        super.init()
        _conv.wrappedValue = Conv2d(inChannels, classes, kernelSize: kernelSize, padding: kernelSize / 2)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let scores = conv(x)
        guard upsampling > 1 else { return scores }
        return scores.resized(to: (scores.shape[2] * upsampling, scores.shape[3] * upsampling), mode: .bilinear(alignCorners: true))
    }
}
