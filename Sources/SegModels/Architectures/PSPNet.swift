import SegNN
import SegTensor

/// PSPNet (Zhao et al., CVPR 2017, Fig. 3): a dilated ResNet at output stride 8, the pyramid
/// pooling module (bins 1, 2, 3, 6, each reduced to 512 channels by a 1×1 conv + BN + ReLU,
/// upsampled and concatenated with the features), a 3×3 conv to 512 + BN + ReLU, dropout 0.1
/// and the classifier; an auxiliary head on `layer3` (weight 0.4 in the paper's loss).
/// Keys follow the authors' PyTorch code (hszhao/semseg): `ppm`, `cls`, `aux`.
public final class PSPNet: Module, SegmentationModel {
    public let classes: Int
    /// Dilated ResNet, output stride 8.
    let backbone: ResNet
    /// Pyramid pooling: the features and four pooled levels, concatenated.
    let ppm: PyramidPooling
    /// 3×3 conv → BN → ReLU → dropout → classifier.
    let cls: FCNHead
    /// The same on `layer3`, for the auxiliary loss.
    let aux: FCNHead?

    public init(backbone config: ResNet.Config, classes: Int, bins: [Int] = [1, 2, 3, 6], width: Int = 512,
                auxWidth: Int = 256, auxiliary: Bool = true) {
        self.classes = classes
        backbone = ResNet(config)
        let deep = backbone.deepestChannels
        ppm = PyramidPooling(deep, reduction: deep / bins.count, bins: bins)
        cls = FCNHead(ppm.outChannels, hidden: width, classes: classes, dropout: 0.1)
        aux = auxiliary ? FCNHead(backbone.channels(ofStage: 3), hidden: auxWidth, classes: classes, dropout: 0.1) : nil
        super.init()
    }

    /// ResNet-50 (torchvision's, dilated to stride 8), bins 1, 2, 3, 6.
    public static func resnet50(classes: Int = 21, inputChannels: Int = 3) -> PSPNet {
        PSPNet(backbone: ResNet.Config.resnet50.dilated(outputStride: 8, inputChannels: inputChannels), classes: classes)
    }

    /// The book size: the book ResNet, 32-channel head, 16-channel aux head.
    public static func book(classes: Int, inputChannels: Int = 3) -> PSPNet {
        PSPNet(backbone: .book(outputStride: 8, inputChannels: inputChannels), classes: classes, width: 32, auxWidth: 16)
    }

    public func callAsFunction(_ image: Tensor) -> Tensor { outputs(image).main }

    public func outputs(_ image: Tensor) -> SegmentationOutput {
        let pyramid = backbone(image)
        let main = cls(ppm(pyramid.deepest)).resized(like: image, mode: .bilinear(alignCorners: true))
        let auxiliary = aux.map { $0(pyramid.stage(3)).resized(like: image, mode: .bilinear(alignCorners: true)) }
        return SegmentationOutput(main: main, aux: auxiliary)
    }
}
