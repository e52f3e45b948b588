import SegNN
import SegTensor

/// SegFormer (Xie et al., NeurIPS 2021): a hierarchical Mix Transformer encoder without positional
/// embeddings, and an all-MLP decoder on its four stages. The decoder predicts at stride 4; the
/// logits are upsampled bilinearly (align_corners false) to the input, as HF's post-processing does.
/// Keys are HF transformers' `SegformerForSemanticSegmentation` (`segformer.stages`, `decode_head`).
public final class SegFormer: Module, SegmentationModel {
    @Child(key: "segformer") var encoder: MixTransformer
    @Child(key: "decode_head") var decoder: MLPDecoder
    public let classes: Int

    public init(_ config: MixTransformer.Config, decoderWidth: Int, classes: Int) {
        self.classes = classes
        super.init()
        _encoder.wrappedValue = MixTransformer(config)
        _decoder.wrappedValue = MLPDecoder(inChannels: config.hiddenSizes, width: decoderWidth, classes: classes)
    }

    public func callAsFunction(_ image: Tensor) -> Tensor {
        let pyramid = encoder(image)           // strides 4, 8, 16, 32
        return decoder(pyramid).resized(like: image)
    }

    /// The stride-4 logits, as HF returns them.
    public func quarterResolutionLogits(_ image: Tensor) -> Tensor { decoder(encoder(image)) }

    public static func b0(classes: Int = 150) -> SegFormer { SegFormer(.b0, decoderWidth: 256, classes: classes) }
    public static func b1(classes: Int = 150) -> SegFormer { SegFormer(.b1, decoderWidth: 256, classes: classes) }
    public static func b2(classes: Int = 150) -> SegFormer { SegFormer(.b2, decoderWidth: 768, classes: classes) }
    public static func b3(classes: Int = 150) -> SegFormer { SegFormer(.b3, decoderWidth: 768, classes: classes) }
    public static func b4(classes: Int = 150) -> SegFormer { SegFormer(.b4, decoderWidth: 768, classes: classes) }
    public static func b5(classes: Int = 150) -> SegFormer { SegFormer(.b5, decoderWidth: 768, classes: classes) }

    /// Widths 16/32/40/64, one block per stage, decoder width 32: trains on 32×32 images in minutes.
    public static func book(classes: Int = 4) -> SegFormer {
        var config = MixTransformer.Config(hiddenSizes: [16, 32, 40, 64], depths: [1, 1, 1, 1], heads: [1, 2, 2, 4])
        config.dropPath = 0
        return SegFormer(config, decoderWidth: 32, classes: classes)
    }
}
