import SegNN
import SegTensor

/// SETR (Zheng et al., CVPR 2021): segmentation as sequence-to-sequence — a plain ViT encodes
/// the image as 1/16-resolution tokens, with no downsampling pyramid, and one of three decoders
/// turns tokens back into a map: naive (1×1 convs, one ×4 upsampling), PUP (progressive
/// upsampling: four 3×3 conv + ×2 steps) or MLA (multi-level aggregation of four layers' tokens).
/// Heads follow mmsegmentation's `SETRUPHead`, `MLANeck`, `SETRMLAHead` (keys `decode_head.*`,
/// `neck.*`, conv modules `conv`/`bn`); the encoder has timm's keys and, as mmsegmentation's SETR
/// backbone, no final norm. Logits are resized to the input (bilinear, align_corners false).
/// mmsegmentation's auxiliary heads (training only) are not built.
public final class SETR: Module, SegmentationModel {
    public enum Decoder: Sendable { case naive, pup, mla }

    let backbone: VisionTransformer
    let neck: MLANeck?
    @Child(key: "decode_head") var decoder: Module
    public let kind: Decoder
    public let classes: Int
    /// The blocks whose tokens the decoder reads (mmsegmentation's `out_indices`).
    let layers: [Int]

    public init(_ encoder: VisionTransformer.Config, decoder kind: Decoder, classes: Int, channels: Int = 256, mlaChannels: Int = 128) {
        var encoder = encoder
        encoder.finalNorm = false
        self.kind = kind
        self.classes = classes
        backbone = VisionTransformer(encoder)
        let depth = encoder.depth
        switch kind {
        case .naive, .pup:
            layers = [depth - 1]
            neck = nil
        case .mla:
            layers = (1...4).map { depth * $0 / 4 - 1 }             // ViT-L: 5, 11, 17, 23
            neck = MLANeck(inChannels: encoder.embedDim, channels: channels)
        }
        super.init()
        switch kind {
        case .naive: _decoder.wrappedValue = SETRUpHead(inChannels: encoder.embedDim, channels: channels, classes: classes, convs: 1, kernelSize: 1, upScale: 4)
        case .pup: _decoder.wrappedValue = SETRUpHead(inChannels: encoder.embedDim, channels: channels, classes: classes, convs: 4, kernelSize: 3, upScale: 2)
        case .mla: _decoder.wrappedValue = SETRMLAHead(inChannels: channels, mlaChannels: mlaChannels, classes: classes)
        }
    }

    public func callAsFunction(_ image: Tensor) -> Tensor {
        let (_, hidden, grid) = backbone.encode(image, keeping: Set(layers))
        let maps = hidden.map { VisionTransformer.patchImage($0, grid: grid) }     // each [N, D, H/16, W/16]
        let logits: Tensor
        switch decoder {
        case let head as SETRUpHead: logits = head(maps[maps.count - 1])
        case let head as SETRMLAHead: logits = head(neck!(maps))
        default: preconditionFailure("SETR: unknown decoder \(type(of: decoder))")
        }
        return logits.resized(like: image)
    }

    /// ViT-B/16 or ViT-L/16 at 512×512 (ADE20K's crop), mmsegmentation's SETR settings.
    public static func vit(_ size: VisionTransformer.Config, decoder: Decoder, classes: Int = 150) -> SETR {
        var config = size
        config.imageSize = 512
        return SETR(config, decoder: decoder, classes: classes)
    }

    /// ViT of width 64, 4 blocks, 4×4 patches, 32-channel heads: trains on 32×32 images in minutes.
    public static func book(decoder: Decoder = .pup, classes: Int = 4) -> SETR {
        var config = VisionTransformer.Config(imageSize: 32, patchSize: 4, embedDim: 64, depth: 4, heads: 4)
        config.mlpRatio = 2
        return SETR(config, decoder: decoder, classes: classes, channels: 32, mlaChannels: 16)
    }
}

/// conv (no bias) → BN → ReLU with mmcv `ConvModule`'s keys `conv`, `bn`.
final class SETRConvModule: Module, Layer {
    let conv: Conv2d
    let bn: BatchNorm2d
    let relu = ReLU()
    init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int) {
        conv = Conv2d(inChannels, outChannels, kernelSize: kernelSize, padding: kernelSize / 2, bias: false)
        bn = BatchNorm2d(outChannels)
    }
    func callAsFunction(_ x: Tensor) -> Tensor { conv(x, then: bn, relu) }
}

/// Conv module then bilinear ×`scale` upsampling (mmsegmentation's `Sequential(ConvModule, Upsample)`).
final class ConvUpsample: Module, Layer {
    @Child(key: "0") var conv: SETRConvModule
    let scale: Int
    init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, scale: Int) {
        self.scale = scale
        super.init()
        _conv.wrappedValue = SETRConvModule(inChannels, outChannels, kernelSize: kernelSize)
    }
    func callAsFunction(_ x: Tensor) -> Tensor {
        conv(x).resized(to: (x.shape[2] * scale, x.shape[3] * scale))
    }
}

/// SETR's naive and PUP decoders (mmsegmentation `SETRUPHead`): layer norm over the tokens, then
/// `convs` × (conv module, bilinear ×`upScale`), then a 1×1 classifier (`conv_seg`).
/// Naive: one 1×1 conv, ×4. PUP: four 3×3 convs, ×2 each (stride 16 → 1).
final class SETRUpHead: Module {
    let norm: LayerNorm
    @Child(key: "up_convs") var upConvs: [ConvUpsample]
    @Child(key: "conv_seg") var classifier: Conv2d

    init(inChannels: Int, channels: Int, classes: Int, convs: Int, kernelSize: Int, upScale: Int) {
        norm = LayerNorm(inChannels, eps: 1e-6)
        super.init()
        _upConvs.wrappedValue = (0..<convs).map { ConvUpsample($0 == 0 ? inChannels : channels, channels, kernelSize: kernelSize, scale: upScale) }
        _classifier.wrappedValue = Conv2d(channels, classes, kernelSize: 1)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let grid = (x.shape[2], x.shape[3])
        let normed = tokensToImage(norm(imageToTokens(x)), grid: grid)
        return classifier(upConvs.reduce(normed) { $1($0) })
    }
}

/// MLA's neck (mmsegmentation `MLANeck`): each level's tokens normed, projected to `channels` by a
/// 1×1 conv module, summed top-down (deepest first), and refined by a 3×3 conv module.
final class MLANeck: Module {
    let norm: [LayerNorm]
    let mla: MLAModule

    init(inChannels: Int, channels: Int, levels: Int = 4) {
        norm = (0..<levels).map { _ in LayerNorm(inChannels, eps: 1e-6) }
        mla = MLAModule(inChannels: inChannels, channels: channels, levels: levels)
    }

    func callAsFunction(_ maps: [Tensor]) -> [Tensor] {
        mla(zip(maps, norm).map { x, norm in tokensToImage(norm(imageToTokens(x)), grid: (x.shape[2], x.shape[3])) })
    }
}

final class MLAModule: Module {
    @Child(key: "channel_proj") var projections: [SETRConvModule]
    @Child(key: "feat_extract") var refinements: [SETRConvModule]

    init(inChannels: Int, channels: Int, levels: Int) {
        super.init()
        _projections.wrappedValue = (0..<levels).map { _ in SETRConvModule(inChannels, channels, kernelSize: 1) }
        _refinements.wrappedValue = (0..<levels).map { _ in SETRConvModule(channels, channels, kernelSize: 3) }
    }

    /// Outputs deepest-first, as mmsegmentation's.
    func callAsFunction(_ maps: [Tensor]) -> [Tensor] {
        let projected = zip(maps, projections).map { x, conv in conv(x) }.reversed()
        var running: Tensor?
        var sums: [Tensor] = []
        for x in projected {
            running = running.map { $0 + x } ?? x
            sums.append(running!)
        }
        return zip(sums, refinements).map { x, conv in conv(x) }
    }
}

/// MLA's head (mmsegmentation `SETRMLAHead`): per level two 3×3 conv modules to `mlaChannels`
/// and ×4 upsampling, concatenated, classified by a 1×1 conv (`conv_seg`).
final class SETRMLAHead: Module {
    @Child(key: "up_convs") var branches: [MLABranch]
    @Child(key: "conv_seg") var classifier: Conv2d

    init(inChannels: Int, mlaChannels: Int, classes: Int, levels: Int = 4) {
        super.init()
        _branches.wrappedValue = (0..<levels).map { _ in MLABranch(inChannels, mlaChannels) }
        _classifier.wrappedValue = Conv2d(levels * mlaChannels, classes, kernelSize: 1)
    }

    func callAsFunction(_ maps: [Tensor]) -> Tensor {
        classifier(Tensor.concat(zip(maps, branches).map { x, branch in branch(x) }, axis: 1))
    }
}

/// Two 3×3 conv modules and ×4 upsampling (keys `0`, `1`).
final class MLABranch: Module {
    @Child(key: "0") var first: SETRConvModule
    @Child(key: "1") var second: SETRConvModule
    init(_ inChannels: Int, _ channels: Int) {
        super.init()
        _first.wrappedValue = SETRConvModule(inChannels, channels, kernelSize: 3)
        _second.wrappedValue = SETRConvModule(channels, channels, kernelSize: 3)
    }
    func callAsFunction(_ x: Tensor) -> Tensor {
        let y = second(first(x))
        return y.resized(to: (y.shape[2] * 4, y.shape[3] * 4))
    }
}
