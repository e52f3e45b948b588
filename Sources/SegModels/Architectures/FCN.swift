import SegNN
import SegTensor

/// Fully convolutional networks (Long, Shelhamer & Darrell, CVPR 2015), as the official Caffe
/// models `voc-fcn32s`, `voc-fcn16s` and `voc-fcn8s`: VGG-16 with its fully connected layers
/// recast as convolutions (fc6: 7×7, fc7: 1×1, 4096 channels), a class score layer, and learnable
/// transposed convolutions that upsample the coarse scores, fused with scores from pool4
/// (16s) and pool3 (8s). conv1_1 pads by 100 and each fused map is cropped at the offsets of
/// the Caffe models, so any input size gives an output of the same size.
public final class FCN: Module, SegmentationModel {
    /// How many skips: 32s (none), 16s (pool4), 8s (pool4 and pool3).
    public enum Variant: Int, Sendable { case fcn32s = 32, fcn16s = 16, fcn8s = 8 }

    public struct Config: Sendable {
        public var variant: Variant
        public var classes = 21
        public var vgg: VGG.Config
        /// fc6 and fc7's width (4096 in the paper).
        public var fcWidth = 4096

        public init(variant: Variant, classes: Int = 21, inputChannels: Int = 3, widthDivisor: Int = 1, fcWidth: Int = 4096) {
            self.variant = variant
            self.classes = classes
            var vgg = VGG.Config(batchNorm: false, inputChannels: inputChannels).narrowed(by: widthDivisor)
            vgg.firstPadding = 100
            vgg.pools = [VGG.Pool](repeating: .caffe, count: 5)
            self.vgg = vgg
            self.fcWidth = fcWidth
        }
    }

    public let config: Config
    public var classes: Int { config.classes }

    /// VGG-16's conv1_1 ... pool5 (torchvision names `features.N`).
    let backbone: VGG
    // The classifier, convolutionalised.
    let fc6: Conv2d
    let relu = ReLU()
    let drop6 = Dropout(p: 0.5)
    let fc7: Conv2d
    let drop7 = Dropout(p: 0.5)
    @Child(key: "score_fr") var scoreFr: Conv2d
    // Skips (Caffe names): 2× upsampling of the scores, fused with pool4's and pool3's scores.
    @Child(key: "upscore2") var upscore2: ConvTranspose2d?
    @Child(key: "score_pool4") var scorePool4: Conv2d?
    @Child(key: "upscore_pool4") var upscorePool4: ConvTranspose2d?
    @Child(key: "score_pool3") var scorePool3: Conv2d?
    // The final upsampling to the input's resolution: 32×, 16× or 8×.
    @Child(key: "upscore") var upscore32: ConvTranspose2d?
    @Child(key: "upscore16") var upscore16: ConvTranspose2d?
    @Child(key: "upscore8") var upscore8: ConvTranspose2d?

    public init(_ config: Config) {
        self.config = config
        let c = config.classes
        backbone = VGG(config.vgg)
        let pool5 = backbone.channels(atStride: 32)
        fc6 = Conv2d(pool5, config.fcWidth, kernelSize: 7)
        fc7 = Conv2d(config.fcWidth, config.fcWidth, kernelSize: 1)
        super.init()
        _scoreFr.wrappedValue = Conv2d(config.fcWidth, c, kernelSize: 1)
        /// A learnable k×k transposed conv with stride k/2 and no bias (initialised bilinear in the paper).
        func upsampling(_ factor: Int) -> ConvTranspose2d {
            ConvTranspose2d(c, c, kernelSize: 2 * factor, stride: factor, bias: false)
        }
        switch config.variant {
        case .fcn32s:
            _upscore32.wrappedValue = upsampling(32)
        case .fcn16s:
            _upscore2.wrappedValue = upsampling(2)
            _scorePool4.wrappedValue = Conv2d(backbone.channels(atStride: 16), c, kernelSize: 1)
            _upscore16.wrappedValue = upsampling(16)
        case .fcn8s:
            _upscore2.wrappedValue = upsampling(2)
            _scorePool4.wrappedValue = Conv2d(backbone.channels(atStride: 16), c, kernelSize: 1)
            _upscorePool4.wrappedValue = upsampling(2)
            _scorePool3.wrappedValue = Conv2d(backbone.channels(atStride: 8), c, kernelSize: 1)
            _upscore8.wrappedValue = upsampling(8)
        }
        // The paper's initialisation (fc6/fc7 aside, which were VGG's pretrained classifier): class
        // scores at zero, every upsampling bilinear.
        for fc in [fc6, fc7] { fc.initializeConvolutionsForReLU() }
        for score in [scoreFr, scorePool4, scorePool3].compactMap({ $0 }) { score.zeroInitialize() }
        for up in [upscore2, upscorePool4, upscore32, upscore16, upscore8].compactMap({ $0 }) { up.initializeBilinear() }
    }

    public static func fcn32s(classes: Int = 21, inputChannels: Int = 3) -> FCN { FCN(Config(variant: .fcn32s, classes: classes, inputChannels: inputChannels)) }
    public static func fcn16s(classes: Int = 21, inputChannels: Int = 3) -> FCN { FCN(Config(variant: .fcn16s, classes: classes, inputChannels: inputChannels)) }
    public static func fcn8s(classes: Int = 21, inputChannels: Int = 3) -> FCN { FCN(Config(variant: .fcn8s, classes: classes, inputChannels: inputChannels)) }
    /// The book size: VGG-16 at 1/8 width, fc6/fc7 with 128 channels.
    public static func book(_ variant: Variant, classes: Int, inputChannels: Int = 3) -> FCN {
        FCN(Config(variant: variant, classes: classes, inputChannels: inputChannels, widthDivisor: 8, fcWidth: 128))
    }

    public func callAsFunction(_ image: Tensor) -> Tensor {
        let pyramid = backbone(image)                                   // pool1 ... pool5
        let fc = drop7(fc7(drop6(fc6(pyramid.stride(32), relu)), relu))
        let scores = scoreFr(fc)                                        // stride 32, coarse
        let (h, w) = (image.shape[2], image.shape[3])
        switch config.variant {
        case .fcn32s:
            return crop(upscore32!(scores), offset: 19, like: (h, w))
        case .fcn16s:
            let up2 = upscore2!(scores)
            let fusePool4 = up2 + crop(scorePool4!(pyramid.stride(16)), offset: 5, like: up2)
            return crop(upscore16!(fusePool4), offset: 27, like: (h, w))
        case .fcn8s:
            let up2 = upscore2!(scores)
            let fusePool4 = up2 + crop(scorePool4!(pyramid.stride(16)), offset: 5, like: up2)
            let upPool4 = upscorePool4!(fusePool4)
            let fusePool3 = upPool4 + crop(scorePool3!(pyramid.stride(8)), offset: 9, like: upPool4)
            return crop(upscore8!(fusePool3), offset: 31, like: (h, w))
        }
    }

    /// Caffe's Crop layer: the window of `like`'s size starting at `offset` in both axes.
    private func crop(_ x: Tensor, offset: Int, like other: Tensor) -> Tensor {
        crop(x, offset: offset, like: (other.shape[2], other.shape[3]))
    }

    private func crop(_ x: Tensor, offset: Int, like size: (Int, Int)) -> Tensor {
        cropped(x, top: offset, left: offset, height: size.0, width: size.1)
    }
}

/// torchvision's FCN (`fcn_resnet50/101`): a dilated ResNet at output stride 8, a 3×3 conv head
/// (`FCNHead`), bilinear upsampling to the input, and an auxiliary head on `layer3` — the
/// "FCN" baseline of later papers, not Long et al.'s skip architecture.
public final class DilatedFCN: Module, SegmentationModel {
    public let classes: Int
    let backbone: ResNet                     // output stride 8
    let classifier: FCNHead                  // on layer4
    @Child(key: "aux_classifier") var auxClassifier: FCNHead?  // on layer3

    public init(backbone config: ResNet.Config, classes: Int, auxiliary: Bool = true) {
        self.classes = classes
        backbone = ResNet(config)
        classifier = FCNHead(backbone.deepestChannels, classes: classes)
        super.init()
        if auxiliary { _auxClassifier.wrappedValue = FCNHead(backbone.channels(ofStage: 3), classes: classes) }
    }

    /// torchvision `fcn_resnet50(num_classes: classes, aux_loss=True)`.
    public static func resnet50(classes: Int = 21, inputChannels: Int = 3) -> DilatedFCN {
        DilatedFCN(backbone: ResNet.Config.resnet50.dilated(outputStride: 8, inputChannels: inputChannels), classes: classes)
    }

    /// torchvision `fcn_resnet101(num_classes: classes, aux_loss=True)`.
    public static func resnet101(classes: Int = 21, inputChannels: Int = 3) -> DilatedFCN {
        DilatedFCN(backbone: ResNet.Config.resnet101.dilated(outputStride: 8, inputChannels: inputChannels), classes: classes)
    }

    public func callAsFunction(_ image: Tensor) -> Tensor { outputs(image).main }

    public func outputs(_ image: Tensor) -> SegmentationOutput {
        let pyramid = backbone(image)
        let main = classifier(pyramid.deepest).resized(like: image, mode: .bilinear(alignCorners: false))
        let aux = auxClassifier.map { $0(pyramid.stage(3)).resized(like: image, mode: .bilinear(alignCorners: false)) }
        return SegmentationOutput(main: main, aux: aux)
    }
}
