import SegNN
import SegTensor

/// Mix Transformer (MiT), SegFormer's encoder (Xie et al., NeurIPS 2021): four stages, each an
/// overlapping patch embedding (kernels 7/3/3/3, strides 4/2/2/2) then transformer blocks whose
/// attention shrinks keys and values by a reduction ratio (8/4/2/1), and whose FFN mixes in
/// position with a 3×3 depthwise conv, so there are no positional embeddings to resize.
/// Keys are HF transformers' `SegformerModel` (`stages.i.patch_embeddings`, `stages.i.blocks.j`,
/// `stages.i.layer_norm`).
public final class MixTransformer: Module, Backbone {
    public struct Config: Sendable {
        public var hiddenSizes: [Int]
        public var depths: [Int]
        public var heads: [Int] = [1, 2, 5, 8]
        public var reductionRatios: [Int] = [8, 4, 2, 1]
        public var patchSizes: [Int] = [7, 3, 3, 3]
        public var strides: [Int] = [4, 2, 2, 2]
        public var mlpRatio: Int = 4
        public var dropPath: Float = 0.1

        public init(hiddenSizes: [Int], depths: [Int], heads: [Int] = [1, 2, 5, 8]) {
            (self.hiddenSizes, self.depths, self.heads) = (hiddenSizes, depths, heads)
        }

        public static let b0 = Config(hiddenSizes: [32, 64, 160, 256], depths: [2, 2, 2, 2])
        public static let b1 = Config(hiddenSizes: [64, 128, 320, 512], depths: [2, 2, 2, 2])
        public static let b2 = Config(hiddenSizes: [64, 128, 320, 512], depths: [3, 4, 6, 3])
        public static let b3 = Config(hiddenSizes: [64, 128, 320, 512], depths: [3, 4, 18, 3])
        public static let b4 = Config(hiddenSizes: [64, 128, 320, 512], depths: [3, 8, 27, 3])
        public static let b5 = Config(hiddenSizes: [64, 128, 320, 512], depths: [3, 6, 40, 3])
    }

    public let config: Config
    let stages: [MixTransformerStage]

    public init(_ config: Config, inChannels: Int = 3) {
        self.config = config
        let total = config.depths.reduce(0, +)
        var start = 0
        var stages: [MixTransformerStage] = []
        for i in 0..<config.depths.count {
            let rates = (start..<(start + config.depths[i])).map { config.dropPath * Float($0) / Float(max(total - 1, 1)) }
            stages.append(MixTransformerStage(
                inChannels: i == 0 ? inChannels : config.hiddenSizes[i - 1], dim: config.hiddenSizes[i],
                patchSize: config.patchSizes[i], stride: config.strides[i], heads: config.heads[i],
                reductionRatio: config.reductionRatios[i], mlpRatio: config.mlpRatio, dropPaths: rates))
            start += config.depths[i]
        }
        self.stages = stages
    }

    public var featureInfo: [FeatureInfo] {
        var stride = 1
        return config.hiddenSizes.indices.map { i in
            stride *= config.strides[i]
            return FeatureInfo(stage: i + 1, stride: stride, channels: config.hiddenSizes[i])
        }
    }

    /// Stride 4, 8, 16 and 32 maps, stages 1...4.
    public func callAsFunction(_ image: Tensor) -> FeaturePyramid {
        var x = image
        var levels: [FeatureMap] = []
        for (stage, info) in zip(stages, featureInfo) {
            x = stage(x)
            levels.append(FeatureMap(stage: info.stage, stride: info.stride, tensor: x))
        }
        return FeaturePyramid(levels)
    }
}

/// One MiT stage: overlapping patch embedding, blocks, layer norm; image in, image out.
final class MixTransformerStage: Module, Layer {
    @Child(key: "patch_embeddings") var patchEmbed: OverlappingPatchEmbedding
    let blocks: [MixTransformerBlock]
    @Child(key: "layer_norm") var norm: LayerNorm

    init(inChannels: Int, dim: Int, patchSize: Int, stride: Int, heads: Int, reductionRatio: Int, mlpRatio: Int, dropPaths: [Float]) {
        blocks = dropPaths.map { MixTransformerBlock(dim: dim, heads: heads, reductionRatio: reductionRatio, mlpRatio: mlpRatio, dropPath: $0) }
        super.init()
        _patchEmbed.wrappedValue = OverlappingPatchEmbedding(inChannels: inChannels, dim: dim, patchSize: patchSize, stride: stride)
        _norm.wrappedValue = LayerNorm(dim)
    }

    func callAsFunction(_ image: Tensor) -> Tensor {
        let (tokens, grid) = patchEmbed(image)
        let x = blocks.reduce(tokens) { x, block in block(x, grid: grid) }
        return tokensToImage(norm(x), grid: grid)
    }
}

/// A k×k conv with stride s < k and padding k/2 (patches overlap), then layer norm (HF
/// `SegformerOverlapPatchEmbeddings`: `proj`, `layer_norm`).
final class OverlappingPatchEmbedding: Module {
    let proj: Conv2d
    @Child(key: "layer_norm") var norm: LayerNorm

    init(inChannels: Int, dim: Int, patchSize: Int, stride: Int) {
        proj = Conv2d(inChannels, dim, kernelSize: patchSize, stride: stride, padding: patchSize / 2)
        super.init()
        _norm.wrappedValue = LayerNorm(dim)
    }

    func callAsFunction(_ image: Tensor) -> (Tensor, (Int, Int)) {
        let x = proj(image)
        return (norm(imageToTokens(x)), (x.shape[2], x.shape[3]))
    }
}

/// Pre-norm block: x + attention(norm(x)), x + MixFFN(norm(x)) (HF `SegformerLayer`).
final class MixTransformerBlock: Module {
    @Child(key: "layernorm_before") var norm1: LayerNorm
    let attention: EfficientSelfAttention
    @Child(key: "layernorm_after") var norm2: LayerNorm
    let mlp: MixFFN
    let dropPath: DropPath

    init(dim: Int, heads: Int, reductionRatio: Int, mlpRatio: Int, dropPath p: Float) {
        attention = EfficientSelfAttention(dim: dim, heads: heads, reductionRatio: reductionRatio)
        mlp = MixFFN(dim: dim, hidden: dim * mlpRatio)
        dropPath = DropPath(p: p)
        super.init()
        _norm1.wrappedValue = LayerNorm(dim)
        _norm2.wrappedValue = LayerNorm(dim)
    }

    func callAsFunction(_ x: Tensor, grid: (Int, Int)) -> Tensor {
        let y = x + dropPath(attention(norm1(x), grid: grid))
        return y + dropPath(mlp(norm2(y), grid: grid))
    }
}

/// Self-attention whose keys and values come from the sequence shrunk R× per side by an R×R
/// stride-R conv and a layer norm: cost N²/R² instead of N² (HF `SegformerAttention`).
final class EfficientSelfAttention: Module {
    @Child(key: "q_proj") var query: Linear
    @Child(key: "k_proj") var key: Linear
    @Child(key: "v_proj") var value: Linear
    @Child(key: "o_proj") var output: Linear
    @Child(key: "sequence_reduction") var reduction: SequenceReduction?
    let heads: Int

    init(dim: Int, heads: Int, reductionRatio: Int) {
        self.heads = heads
        super.init()
        _query.wrappedValue = Linear(dim, dim)
        _key.wrappedValue = Linear(dim, dim)
        _value.wrappedValue = Linear(dim, dim)
        _output.wrappedValue = Linear(dim, dim)
        _reduction.wrappedValue = reductionRatio > 1 ? SequenceReduction(dim: dim, ratio: reductionRatio) : nil
    }

    func callAsFunction(_ x: Tensor, grid: (Int, Int)) -> Tensor {
        let (n, length, dim) = (x.shape[0], x.shape[1], x.shape[2])
        let reduced = reduction.map { $0(x, grid: grid) } ?? x
        func split(_ t: Tensor) -> Tensor { t.reshaped([n, t.shape[1], heads, dim / heads]).transposed(1, 2) }
        let attended = Tensor.scaledDotProductAttention(query: split(query(x)), key: split(key(reduced)), value: split(value(reduced)))
        return output(attended.transposed(1, 2).reshaped([n, length, dim]))
    }
}

/// The R×R stride-R conv and layer norm that shorten keys and values (HF `SegformerSequenceReduction`).
final class SequenceReduction: Module {
    @Child(key: "sequence_reduction") var conv: Conv2d
    @Child(key: "layer_norm") var norm: LayerNorm

    init(dim: Int, ratio: Int) {
        super.init()
        _conv.wrappedValue = Conv2d(dim, dim, kernelSize: ratio, stride: ratio)
        _norm.wrappedValue = LayerNorm(dim)
    }

    func callAsFunction(_ x: Tensor, grid: (Int, Int)) -> Tensor {
        norm(imageToTokens(conv(tokensToImage(x, grid: grid))))
    }
}

/// Mix-FFN: fc1 → 3×3 depthwise conv → GELU → fc2; the conv leaks position in from zero padding
/// (HF `SegformerMixMLP`: `fc1`, `dwconv.dwconv`, `fc2`).
final class MixFFN: Module {
    let fc1: Linear
    let dwconv: DepthwiseConv
    let act = GELU()
    let fc2: Linear

    init(dim: Int, hidden: Int) {
        fc1 = Linear(dim, hidden)
        dwconv = DepthwiseConv(channels: hidden)
        fc2 = Linear(hidden, dim)
    }

    func callAsFunction(_ x: Tensor, grid: (Int, Int)) -> Tensor {
        fc2(act(dwconv(fc1(x), grid: grid)))
    }
}

/// The 3×3 depthwise conv of Mix-FFN, on tokens (key `dwconv`).
final class DepthwiseConv: Module {
    let dwconv: Conv2d
    init(channels: Int) { dwconv = Conv2d(channels, channels, kernelSize: 3, padding: 1, groups: channels) }
    func callAsFunction(_ x: Tensor, grid: (Int, Int)) -> Tensor { imageToTokens(dwconv(tokensToImage(x, grid: grid))) }
}
