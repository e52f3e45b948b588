import SegNN
import SegTensor

/// DeepLab v3 (Chen et al., arXiv 2017), as torchvision's `deeplabv3_resnet50/101`: a ResNet at
/// output stride 8, ASPP with image-level features (rates 12, 24, 36 at stride 8) projected to
/// 256 channels, a 3×3 conv, the classifier, bilinear upsampling; and an FCN auxiliary head on
/// `layer3` for training.
public final class DeepLabV3: Module, SegmentationModel {
    public let classes: Int
    /// Dilated ResNet, output stride 8.
    let backbone: ResNet
    /// ASPP → 3×3 conv → classifier.
    let classifier: DeepLabHead
    @Child(key: "aux_classifier") var auxClassifier: FCNHead?

    public init(backbone config: ResNet.Config, classes: Int, asppWidth: Int = 256, rates: [Int] = [12, 24, 36],
                auxiliary: Bool = true) {
        self.classes = classes
        backbone = ResNet(config)
        classifier = DeepLabHead(backbone.deepestChannels, classes: classes, width: asppWidth, rates: rates)
        super.init()
        if auxiliary { _auxClassifier.wrappedValue = FCNHead(backbone.channels(ofStage: 3), classes: classes) }
    }

    /// torchvision `deeplabv3_resnet50(num_classes: classes, aux_loss=True)`.
    public static func resnet50(classes: Int = 21, inputChannels: Int = 3) -> DeepLabV3 {
        DeepLabV3(backbone: ResNet.Config.resnet50.dilated(outputStride: 8, inputChannels: inputChannels), classes: classes)
    }

    /// torchvision `deeplabv3_resnet101(num_classes: classes, aux_loss=True)`.
    public static func resnet101(classes: Int = 21, inputChannels: Int = 3) -> DeepLabV3 {
        DeepLabV3(backbone: ResNet.Config.resnet101.dilated(outputStride: 8, inputChannels: inputChannels), classes: classes)
    }

    /// The book size: the book ResNet, ASPP 32 channels wide with rates 2, 4, 6.
    public static func book(classes: Int, inputChannels: Int = 3) -> DeepLabV3 {
        DeepLabV3(backbone: .book(outputStride: 8, inputChannels: inputChannels), classes: classes, asppWidth: 32, rates: [2, 4, 6])
    }

    public func callAsFunction(_ image: Tensor) -> Tensor { outputs(image).main }

    public func outputs(_ image: Tensor) -> SegmentationOutput {
        let pyramid = backbone(image)
        let main = classifier(pyramid.deepest).resized(like: image, mode: .bilinear(alignCorners: false))
        let aux = auxClassifier.map { $0(pyramid.stage(3)).resized(like: image, mode: .bilinear(alignCorners: false)) }
        return SegmentationOutput(main: main, aux: aux)
    }
}

/// torchvision's `DeepLabHead`: ASPP, 3×3 conv + BN + ReLU, 1×1 classifier (keys `0`, `1`, `2`, `4`).
public final class DeepLabHead: Module, Layer {
    @Child(key: "0") var aspp: ASPP
    @Child(key: "1") var conv: Conv2d
    @Child(key: "2") var bn: BatchNorm2d
    let relu = ReLU()
    @Child(key: "4") var classifier: Conv2d

    public init(_ inChannels: Int, classes: Int, width: Int = 256, rates: [Int] = [12, 24, 36]) {
        super.init()
        _aspp.wrappedValue = ASPP(inChannels, width, rates: rates)
        _conv.wrappedValue = Conv2d(width, width, kernelSize: 3, padding: 1, bias: false)
        _bn.wrappedValue = BatchNorm2d(width)
        _classifier.wrappedValue = Conv2d(width, classes, kernelSize: 1)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        classifier(conv(aspp(x), then: bn, relu))
    }
}
