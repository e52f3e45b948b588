import SegNN
import SegTensor

/// The Vision Transformer (Dosovitskiy et al., ICLR 2021): an image cut into 16×16 patches,
/// each a token; a class token in front; learned positional embeddings; a stack of pre-norm
/// transformer blocks; a final norm. Keys are timm's `VisionTransformer`'s (`cls_token`,
/// `pos_embed`, `patch_embed.proj`, `blocks.i`, `norm`).
///
/// Its output is timm's `forward_features`: every token, class token first, [N, 1 + h·w, D]. At an
/// input size other than `imageSize` the positional embeddings are resized as timm's
/// `dynamic_img_size` does (antialiased bicubic), the class token's kept aside.
public final class VisionTransformer: Module, SegmentationModel {
    public struct Config: Sendable {
        public var imageSize: Int
        public var patchSize: Int
        public var embedDim: Int
        public var depth: Int
        public var heads: Int
        public var mlpRatio: Int = 4
        /// LayerNorm eps: timm's 1e-6; Segmenter's official code uses PyTorch's 1e-5.
        public var eps: Float = 1e-6
        /// mmsegmentation's SETR backbone has no final norm.
        public var finalNorm: Bool = true
        public var positionResize: PositionEmbeddingResize = .timmAntialiasedBicubic
        public var dropPath: Float = 0

        public init(imageSize: Int, patchSize: Int, embedDim: Int, depth: Int, heads: Int) {
            (self.imageSize, self.patchSize, self.embedDim, self.depth, self.heads) = (imageSize, patchSize, embedDim, depth, heads)
        }

        /// ViT-B/16 at 224 (timm `vit_base_patch16_224`).
        public static let base16 = Config(imageSize: 224, patchSize: 16, embedDim: 768, depth: 12, heads: 12)
        /// ViT-L/16 at 224.
        public static let large16 = Config(imageSize: 224, patchSize: 16, embedDim: 1024, depth: 24, heads: 16)
        /// ViT-S/16 at 224.
        public static let small16 = Config(imageSize: 224, patchSize: 16, embedDim: 384, depth: 12, heads: 6)
    }

    public let config: Config
    @Param(key: "cls_token") var classToken: Tensor
    @Param(key: "pos_embed") var positionEmbedding: Tensor
    @Child(key: "patch_embed") var patchEmbed: PatchEmbedding
    let blocks: [TransformerBlock]
    let norm: LayerNorm?

    public init(_ config: Config) {
        self.config = config
        let grid = config.imageSize / config.patchSize
        blocks = (0..<config.depth).map { i in
            let p = config.depth > 1 ? config.dropPath * Float(i) / Float(config.depth - 1) : 0
            return TransformerBlock(dim: config.embedDim, heads: config.heads, mlpRatio: config.mlpRatio, eps: config.eps, dropPath: p)
        }
        norm = config.finalNorm ? LayerNorm(config.embedDim, eps: config.eps) : nil
        super.init()
        _classToken.wrappedValue = DefaultGenerator.with { Tensor.randn([1, 1, config.embedDim], std: 1e-6, generator: &$0) }
        _positionEmbedding.wrappedValue = DefaultGenerator.with {
            Tensor.truncatedNormal([1, 1 + grid * grid, config.embedDim], std: 0.02, generator: &$0)
        }
        _patchEmbed.wrappedValue = PatchEmbedding(patchSize: config.patchSize, embedDim: config.embedDim)
    }

    /// The token width (768 for ViT-B); a `SegmentationModel` only so the preset registry holds it.
    public var classes: Int { config.embedDim }

    /// timm's `forward_features`: [N, 1 + h·w, D], class token first.
    public func callAsFunction(_ image: Tensor) -> Tensor { encode(image).tokens }

    /// The tokens after every block in `layers` (0-based, before the final norm, as mmsegmentation's
    /// `out_indices`) and the final output, with the patch grid.
    public func encode(_ image: Tensor, keeping layers: Set<Int> = []) -> (tokens: Tensor, hidden: [Tensor], grid: (Int, Int)) {
        let (patches, grid) = patchEmbed(image)
        let n = patches.shape[0]
        let trained = config.imageSize / config.patchSize
        let position = resizedPositionEmbedding(positionEmbedding, prefixTokens: 1, from: (trained, trained), to: grid,
                                                mode: config.positionResize)
        var x = Tensor.concat([classToken.expanded(to: [n, 1, config.embedDim]), patches], axis: 1) + position
        var hidden: [Tensor] = []
        for (i, block) in blocks.enumerated() {
            x = block(x)
            if layers.contains(i) { hidden.append(x) }
        }
        if let norm { x = norm(x) }
        return (x, hidden, grid)
    }

    /// The patch tokens of `tokens` (class token dropped) as an image [N, D, h, w].
    public static func patchImage(_ tokens: Tensor, grid: (Int, Int)) -> Tensor {
        tokensToImage(tokens.sliced(axis: 1, range: 1..<tokens.shape[1]), grid: grid)
    }

    /// Attention FLOPs of the whole encoder at an `height`×`width` input: every block attends over
    /// all 1 + h·w tokens, so this grows with the square of the token count.
    public func attentionFLOPs(height: Int, width: Int) -> Int {
        let tokens = 1 + (height / config.patchSize) * (width / config.patchSize)
        return config.depth * MultiHeadSelfAttention.attentionFLOPs(tokens: tokens, dim: config.embedDim)
    }
}

/// A ViT with a linear classifier on every patch token, upsampled to the input (Segmenter's
/// "linear" decoder baseline): the smallest way to make a ViT segment, for `vit-book`.
public final class ViTLinearSegmenter: Module, SegmentationModel {
    let encoder: VisionTransformer
    let head: Linear
    public let classes: Int

    public init(_ config: VisionTransformer.Config, classes: Int) {
        self.classes = classes
        encoder = VisionTransformer(config)
        head = Linear(config.embedDim, classes)
    }

    public func callAsFunction(_ image: Tensor) -> Tensor {
        let (tokens, _, grid) = encoder.encode(image)
        let logits = head(tokens.sliced(axis: 1, range: 1..<tokens.shape[1]))    // [N, h·w, classes]
        return tokensToImage(logits, grid: grid).resized(like: image)
    }

    /// 32×32 images, 4×4 patches, 2 blocks of width 64.
    public static func book(classes: Int = 4) -> ViTLinearSegmenter {
        var config = VisionTransformer.Config(imageSize: 32, patchSize: 4, embedDim: 64, depth: 2, heads: 4)
        config.mlpRatio = 2
        return ViTLinearSegmenter(config, classes: classes)
    }
}
