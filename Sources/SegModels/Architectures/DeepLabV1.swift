import SegNN
import SegTensor

/// DeepLab v1, the LargeFOV variant (Chen et al., ICLR 2015): VGG-16 made denser — pool4 and
/// pool5 become 3×3 pools with stride 1, conv5 is atrous with rate 2 — so the scores come at
/// output stride 8; fc6 is a 3×3 conv with rate 12 and 1024 channels (the large field of view),
/// fc7 a 1×1 conv with 1024, fc8 the classifier. Scores are upsampled bilinearly to the input
/// (the paper then refines them with a dense CRF, applied in SegLab's pipeline).
public final class DeepLabV1: Module, SegmentationModel {
    public struct Config: Sendable {
        public var classes = 21
        public var vgg: VGG.Config
        public var fcWidth = 1024
        /// fc6's atrous rate (12: LargeFOV).
        public var fc6Rate = 12

        public init(classes: Int = 21, inputChannels: Int = 3, widthDivisor: Int = 1, fcWidth: Int = 1024, fc6Rate: Int = 12) {
            self.classes = classes
            var vgg = VGG.Config(batchNorm: false, inputChannels: inputChannels).narrowed(by: widthDivisor)
            vgg.pools = [.overlapping, .overlapping, .overlapping, .keepResolution, .keepResolution]
            vgg.dilations = [1, 1, 1, 1, 2]
            self.vgg = vgg
            self.fcWidth = fcWidth
            self.fc6Rate = fc6Rate
        }
    }

    public let config: Config
    public var classes: Int { config.classes }

    /// VGG-16 at output stride 8 (torchvision names `features.N`).
    let backbone: VGG
    let fc6: Conv2d              // 3×3, rate 12
    let relu = ReLU()
    let drop6 = Dropout(p: 0.5)
    let fc7: Conv2d              // 1×1
    let drop7 = Dropout(p: 0.5)
    let fc8: Conv2d              // 1×1 to the classes

    public init(_ config: Config) {
        self.config = config
        backbone = VGG(config.vgg)
        fc6 = Conv2d(backbone.deepestChannels, config.fcWidth, kernelSize: 3, padding: config.fc6Rate, dilation: config.fc6Rate)
        fc7 = Conv2d(config.fcWidth, config.fcWidth, kernelSize: 1)
        fc8 = Conv2d(config.fcWidth, config.classes, kernelSize: 1)
        super.init()
        // fc6 and fc7 were VGG's pretrained fully connected layers; from scratch, He's initialisation.
        for fc in [fc6, fc7] { fc.initializeConvolutionsForReLU() }
    }

    /// DeepLab-LargeFOV on VGG-16.
    public static func vgg16(classes: Int = 21, inputChannels: Int = 3) -> DeepLabV1 {
        DeepLabV1(Config(classes: classes, inputChannels: inputChannels))
    }

    /// The book size: VGG-16 at 1/8 width, fc6/fc7 with 128 channels, fc6 rate 4 (small images).
    public static func book(classes: Int, inputChannels: Int = 3) -> DeepLabV1 {
        DeepLabV1(Config(classes: classes, inputChannels: inputChannels, widthDivisor: 8, fcWidth: 128, fc6Rate: 4))
    }

    public func callAsFunction(_ image: Tensor) -> Tensor {
        let features = backbone(image).deepest                           // stride 8
        let scores = fc8(drop7(fc7(drop6(fc6(features, relu)), relu)))
        return scores.resized(like: image, mode: .bilinear(alignCorners: false))
    }
}
