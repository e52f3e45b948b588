import SegNN
import SegTensor

/// Swin + UPerNet (Liu et al., ICCV 2021, the ADE20K setting): the Swin pyramid (strides 4–32)
/// into UPerNet's PPM + FPN head, with an FCN auxiliary head on stage 3 for training.
/// Keys are HF transformers' `UperNetForSemanticSegmentation` with a `SwinConfig` backbone.
public final class SwinUPerNet: Module, SegmentationModel {
    let backbone: SwinTransformer
    @Child(key: "decode_head") var decoder: UPerNetHead
    @Child(key: "auxiliary_head") var auxiliary: UPerNetAuxiliaryHead
    public let classes: Int

    public init(_ config: SwinTransformer.Config, classes: Int, channels: Int = 512, auxiliaryChannels: Int = 256) {
        self.classes = classes
        backbone = SwinTransformer(config)
        super.init()
        _decoder.wrappedValue = UPerNetHead(inChannels: config.channels, channels: channels, classes: classes)
        _auxiliary.wrappedValue = UPerNetAuxiliaryHead(inChannels: config.channels[2], channels: auxiliaryChannels, classes: classes)
    }

    public func callAsFunction(_ image: Tensor) -> Tensor { outputs(image).main }

    public func outputs(_ image: Tensor) -> SegmentationOutput {
        let pyramid = backbone(image)                    // strides 4, 8, 16, 32
        let logits = decoder(pyramid).resized(like: image)
        guard mode == .train else { return SegmentationOutput(main: logits) }
        return SegmentationOutput(main: logits, aux: auxiliary(pyramid.stage(3)).resized(like: image))
    }

    public static func tiny(classes: Int = 150) -> SwinUPerNet { SwinUPerNet(.tiny, classes: classes) }
    public static func small(classes: Int = 150) -> SwinUPerNet { SwinUPerNet(.small, classes: classes) }
    public static func base(classes: Int = 150) -> SwinUPerNet { SwinUPerNet(.base, classes: classes) }

    /// Embed 16, 2×2 patches, window 2, blocks 2/1/1/1 (stage 1 has a regular and a shifted
    /// window), head width 32: trains on 32×32 images in minutes.
    public static func book(classes: Int = 4) -> SwinUPerNet {
        var config = SwinTransformer.Config(embedDim: 16, depths: [2, 1, 1, 1], heads: [1, 2, 2, 4], windowSize: 2)
        config.patchSize = 2
        config.dropPath = 0
        return SwinUPerNet(config, classes: classes, channels: 32, auxiliaryChannels: 16)
    }
}
