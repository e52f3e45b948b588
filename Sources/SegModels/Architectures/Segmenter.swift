import SegNN
import SegTensor

/// Segmenter (Strudel et al., ICCV 2021): a ViT encoder, and a mask transformer decoder — learned
/// class embeddings join the patch tokens through two transformer blocks, and each class's mask
/// is the product of its (normalised) embedding with every (normalised) patch token, then a
/// layer norm over classes. Keys follow the official implementation (`encoder.*`, `decoder.*`);
/// the encoder's unused classification `head` is not built. Logits are upsampled bilinearly to
/// the input.
public final class Segmenter: Module, SegmentationModel {
    let encoder: VisionTransformer
    let decoder: MaskTransformer
    public let classes: Int

    public init(_ config: VisionTransformer.Config, classes: Int, decoderLayers: Int = 2) {
        var config = config
        config.eps = 1e-5                                     // PyTorch's default, as the official code
        config.positionResize = .interpolate(.bilinear(alignCorners: false))
        self.classes = classes
        encoder = VisionTransformer(config)
        decoder = MaskTransformer(encoderDim: config.embedDim, dim: config.embedDim, heads: config.embedDim / 64,
                                  layers: decoderLayers, classes: classes)
    }

    public func callAsFunction(_ image: Tensor) -> Tensor {
        let (tokens, _, grid) = encoder.encode(image)
        let patches = tokens.sliced(axis: 1, range: 1..<tokens.shape[1])      // class token dropped
        return decoder(patches, grid: grid).resized(like: image)
    }

    /// ViT-S/16 or ViT-B/16 at 512×512 (ADE20K), two decoder layers.
    public static func vit(_ size: VisionTransformer.Config, classes: Int = 150) -> Segmenter {
        var config = size
        config.imageSize = 512
        return Segmenter(config, classes: classes)
    }

    /// ViT of width 64, 2 blocks, 4×4 patches, one decoder layer: trains on 32×32 images in minutes.
    public static func book(classes: Int = 4) -> Segmenter {
        var config = VisionTransformer.Config(imageSize: 32, patchSize: 4, embedDim: 64, depth: 2, heads: 1)
        config.mlpRatio = 2
        return Segmenter(config, classes: classes, decoderLayers: 1)
    }
}

/// Segmenter's decoder (official `MaskTransformer`).
final class MaskTransformer: Module {
    @Param(key: "cls_emb") var classEmbeddings: Tensor
    @Param(key: "proj_patch") var patchProjection: Tensor
    @Param(key: "proj_classes") var classProjection: Tensor
    let blocks: [TransformerBlock]
    @Child(key: "proj_dec") var inputProjection: Linear
    @Child(key: "decoder_norm") var norm: LayerNorm
    @Child(key: "mask_norm") var maskNorm: LayerNorm
    let classes: Int

    init(encoderDim: Int, dim: Int, heads: Int, layers: Int, classes: Int) {
        self.classes = classes
        blocks = (0..<layers).map { _ in TransformerBlock(dim: dim, heads: heads, mlpRatio: 4, eps: 1e-5) }
        super.init()
        let scale = 1 / Float(dim).squareRoot()
        DefaultGenerator.with { g in
            _classEmbeddings.wrappedValue = Tensor.truncatedNormal([1, classes, dim], std: 0.02, generator: &g)
            _patchProjection.wrappedValue = Tensor.randn([dim, dim], std: scale, generator: &g)
            _classProjection.wrappedValue = Tensor.randn([dim, dim], std: scale, generator: &g)
        }
        _inputProjection.wrappedValue = Linear(encoderDim, dim)
        _norm.wrappedValue = LayerNorm(dim)
        _maskNorm.wrappedValue = LayerNorm(classes)
    }

    /// `patches` [N, h·w, D] → masks [N, classes, h, w].
    func callAsFunction(_ patches: Tensor, grid: (Int, Int)) -> Tensor {
        let (n, length) = (patches.shape[0], patches.shape[1])
        let joined = Tensor.concat([inputProjection(patches), classEmbeddings.expanded(to: [n, classes, classEmbeddings.shape[2]])], axis: 1)
        let x = norm(blocks.reduce(joined) { $1($0) })
        let patchFeatures = x.sliced(axis: 1, range: 0..<length).matmul(patchProjection).normalized(axis: -1, eps: 0)
        let classFeatures = x.sliced(axis: 1, range: length..<(length + classes)).matmul(classProjection).normalized(axis: -1, eps: 0)
        let masks = maskNorm(patchFeatures.matmul(classFeatures, transposeOther: true))      // [N, h·w, classes]
        return tokensToImage(masks, grid: grid)
    }
}
