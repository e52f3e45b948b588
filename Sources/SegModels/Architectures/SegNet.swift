import SegNN
import SegTensor

/// SegNet (Badrinarayanan, Kendall & Cipolla, TPAMI 2017, Fig. 2): a VGG-16 encoder with batch
/// norm whose max-pooling indices are passed to a mirrored decoder; each decoder stage
/// upsamples sparsely by max-unpooling to the stored positions, then densifies with 3×3
/// conv + BN + ReLU layers. A final 3×3 conv gives the class scores at input resolution.
public final class SegNet: Module, SegmentationModel {
    public struct Config: Sendable {
        public var classes = 21
        public var encoder = VGG.Config.vgg16BN
        /// VGG-16-BN's first `blocks` blocks (5: the paper's), widths divided by `widthDivisor`.
        public init(classes: Int = 21, inputChannels: Int = 3, widthDivisor: Int = 1, blocks: Int = 5) {
            self.classes = classes
            encoder = VGG.Config(batchNorm: true, inputChannels: inputChannels).narrowed(by: widthDivisor)
                .truncated(toBlocks: blocks)
        }
    }

    public let config: Config
    public var classes: Int { config.classes }

    /// VGG-16-BN's 13 convs (torchvision names `features.N`), pooling with indices.
    let encoder: VGG
    /// Mirrored stages, deepest first: `decoder.0` undoes pool5, ..., `decoder.4` undoes pool1.
    let decoder: [SegNetDecoderStage]
    /// 3×3 conv to the classes (Caffe's `conv1_1_D`).
    let classifier: Conv2d

    public init(_ config: Config) {
        self.config = config
        encoder = VGG(config.encoder)
        let widths = config.encoder.widths, depths = config.encoder.depths
        // Decoder stage for encoder block b: depth(b) convs at width(b), the last one narrowing to
        // the previous block's width (block 1 keeps its width; the classifier follows).
        decoder = (0..<widths.count).reversed().map { b in
            let out = b > 0 ? widths[b - 1] : widths[0]
            return SegNetDecoderStage(widths[b], out, convs: b > 0 ? depths[b] : depths[b] - 1)
        }
        classifier = Conv2d(widths[0], config.classes, kernelSize: 3, padding: 1)
        super.init()
        // The paper: "initialized using the technique described in He et al." (the encoder, as
        // torchvision's VGG, already is).
        for stage in decoder { stage.initializeConvolutionsForReLU(mode: .fanIn) }
    }

    /// VGG-16-BN encoder and its mirror.
    public static func vgg16(classes: Int = 21, inputChannels: Int = 3) -> SegNet {
        SegNet(Config(classes: classes, inputChannels: inputChannels))
    }

    /// The book size: VGG-16-BN's first three blocks at a quarter width (16, 32, 64 channels), so
    /// three poolings as `unet-book`: on 64² scenes, five would leave a 2×2 bottleneck that
    /// 300 steps from scratch do not get past (measured: background only).
    public static func book(classes: Int, inputChannels: Int = 3) -> SegNet {
        SegNet(Config(classes: classes, inputChannels: inputChannels, widthDivisor: 4, blocks: 3))
    }

    public func callAsFunction(_ image: Tensor) -> Tensor {
        decode(encoder.encodeWithPoolIndices(image))    // pool1 ... pool5 with indices
    }

    /// The class scores from the encoder's pooled maps and indices.
    func decode(_ encoded: [(pooled: Tensor, indices: Tensor, size: (Int, Int))]) -> Tensor {
        var x = encoded[encoded.count - 1].pooled
        for (stage, skip) in zip(decoder, encoded.reversed()) {
            x = stage(x.maxUnpool2d(indices: skip.indices, kernelSize: 2, stride: 2, outputSize: skip.size))
        }
        return classifier(x)
    }
}

/// One decoder stage after its max-unpooling: `convs` × (3×3 conv + BN + ReLU), the last one
/// to `outChannels` (Caffe's conv5_3_D ... conv5_1_D). Keys `0.0`, `0.1`, `1.0`, ...
public final class SegNetDecoderStage: Module, Layer {
    let layers: [ConvBiasBNReLU]

    public init(_ inChannels: Int, _ outChannels: Int, convs: Int) {
        layers = (0..<convs).map { i in ConvBiasBNReLU(inChannels, i == convs - 1 ? outChannels : inChannels) }
        super.init()
    }

    override public func members() -> [(key: String, member: ModuleMember)] {
        layers.enumerated().map { (String($0.offset), .module($0.element)) }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { layers.reduce(x) { $1($0) } }
}

/// 3×3 conv with bias → BN → ReLU, as SegNet's Caffe layers (conv with bias_term, then BN).
public final class ConvBiasBNReLU: Module, Layer {
    @Child(key: "0") var conv: Conv2d
    @Child(key: "1") var bn: BatchNorm2d
    let relu = ReLU()

    public init(_ inChannels: Int, _ outChannels: Int) {
        super.init()
        _conv.wrappedValue = Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1)
        _bn.wrappedValue = BatchNorm2d(outChannels)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { conv(x, then: bn, relu) }
}
