import SegNN
import SegTensor

/// Swin Transformer (Liu et al., ICCV 2021): attention inside M×M windows (linear in the number of
/// tokens), windows shifted by M/2 every other block so information crosses window borders, and
/// patch merging between stages for a CNN-like pyramid (strides 4, 8, 16, 32).
/// Keys are HF transformers' `SwinBackbone` (`swin.embeddings`, `swin.encoder.layers.i.blocks.j`,
/// `hidden_states_norms.stageK`). As HF's backbone, every block partitions with the configured
/// window and shift at any input size, padding maps to a multiple of the window.
public final class SwinTransformer: Module, Backbone {
    public struct Config: Sendable {
        public var embedDim: Int
        public var depths: [Int]
        public var heads: [Int]
        public var windowSize: Int = 7
        public var patchSize: Int = 4
        public var mlpRatio: Int = 4
        public var dropPath: Float = 0.1

        public init(embedDim: Int, depths: [Int], heads: [Int], windowSize: Int = 7) {
            (self.embedDim, self.depths, self.heads, self.windowSize) = (embedDim, depths, heads, windowSize)
        }

        public static let tiny = Config(embedDim: 96, depths: [2, 2, 6, 2], heads: [3, 6, 12, 24])
        public static let small = Config(embedDim: 96, depths: [2, 2, 18, 2], heads: [3, 6, 12, 24])
        public static let base = Config(embedDim: 128, depths: [2, 2, 18, 2], heads: [4, 8, 16, 32])

        public var channels: [Int] { depths.indices.map { embedDim << $0 } }
    }

    public let config: Config
    let swin: SwinEncoderModel
    /// A layer norm per stage output (keys `stage1`...`stage4`).
    @Child(key: "hidden_states_norms") var stageNorms: Sequential

    public init(_ config: Config) {
        self.config = config
        swin = SwinEncoderModel(config)
        super.init()
        _stageNorms.wrappedValue = Sequential(keyed: config.channels.enumerated().map { ("stage\($0.offset + 1)", LayerNorm($0.element)) })
    }

    public var featureInfo: [FeatureInfo] {
        config.channels.enumerated().map { FeatureInfo(stage: $0.offset + 1, stride: config.patchSize << $0.offset, channels: $0.element) }
    }

    public func callAsFunction(_ image: Tensor) -> FeaturePyramid {
        let stages = swin(image)
        return FeaturePyramid(zip(stages, featureInfo).enumerated().map { i, pair in
            let (stage, info) = pair
            let normed = stageNorms[i](stage.tokens)
            return FeatureMap(stage: info.stage, stride: info.stride, tensor: tokensToImage(normed, grid: stage.grid))
        })
    }

    /// Attention FLOPs of every block at an `height`×`width` input: each window of M² tokens
    /// attends within itself, so this grows linearly with the number of tokens.
    public func attentionFLOPs(height: Int, width: Int) -> Int {
        var (h, w) = ((height + config.patchSize - 1) / config.patchSize, (width + config.patchSize - 1) / config.patchSize)
        var total = 0
        for (i, depth) in config.depths.enumerated() {
            let m = config.windowSize
            let windows = ((h + m - 1) / m) * ((w + m - 1) / m)
            total += depth * windows * WindowAttention.attentionFLOPs(windowTokens: m * m, dim: config.channels[i])
            (h, w) = ((h + 1) / 2, (w + 1) / 2)
        }
        return total
    }
}

/// HF's `SwinModel` without pooling: embeddings, the stages, and a final `layernorm` that the
/// backbone does not use (it has the per-stage norms) but that checkpoints carry.
final class SwinEncoderModel: Module {
    let embeddings: SwinEmbeddings
    let encoder: SwinStages
    let layernorm: LayerNorm

    init(_ config: SwinTransformer.Config) {
        embeddings = SwinEmbeddings(patchSize: config.patchSize, embedDim: config.embedDim)
        encoder = SwinStages(config)
        layernorm = LayerNorm(config.channels.last!)
    }

    /// Each stage's tokens before its patch merging, with their grid.
    func callAsFunction(_ image: Tensor) -> [(tokens: Tensor, grid: (Int, Int))] {
        let (x, grid) = embeddings(image)
        return encoder(x, grid: grid)
    }
}

/// Patch embedding (a 4×4 stride-4 conv, the image padded right/bottom to a multiple of 4) and a
/// layer norm (HF `SwinEmbeddings`: `patch_embeddings.projection`, `norm`).
final class SwinEmbeddings: Module {
    @Child(key: "patch_embeddings") var patchEmbed: SwinPatchProjection
    let norm: LayerNorm

    init(patchSize: Int, embedDim: Int) {
        norm = LayerNorm(embedDim)
        super.init()
        _patchEmbed.wrappedValue = SwinPatchProjection(patchSize: patchSize, embedDim: embedDim)
    }

    func callAsFunction(_ image: Tensor) -> (Tensor, (Int, Int)) {
        let p = patchEmbed.projection.kernelSize.0
        let (h, w) = (image.shape[2], image.shape[3])
        let padded = image.padded([(0, (p - h % p) % p), (0, (p - w % p) % p)])
        let x = patchEmbed.projection(padded)
        return (norm(imageToTokens(x)), (x.shape[2], x.shape[3]))
    }
}

final class SwinPatchProjection: Module {
    let projection: Conv2d
    init(patchSize: Int, embedDim: Int) { projection = Conv2d(3, embedDim, kernelSize: patchSize, stride: patchSize) }
}

/// The four stages (HF `SwinEncoder`, key `layers`).
final class SwinStages: Module {
    let layers: [SwinStage]

    init(_ config: SwinTransformer.Config) {
        let total = config.depths.reduce(0, +)
        var start = 0
        var layers: [SwinStage] = []
        for (i, depth) in config.depths.enumerated() {
            let rates = (start..<(start + depth)).map { config.dropPath * Float($0) / Float(max(total - 1, 1)) }
            layers.append(SwinStage(dim: config.channels[i], heads: config.heads[i], windowSize: config.windowSize,
                                    mlpRatio: config.mlpRatio, dropPaths: rates, merges: i < config.depths.count - 1))
            start += depth
        }
        self.layers = layers
    }

    func callAsFunction(_ tokens: Tensor, grid: (Int, Int)) -> [(tokens: Tensor, grid: (Int, Int))] {
        var (x, grid) = (tokens, grid)
        var outputs: [(tokens: Tensor, grid: (Int, Int))] = []
        for stage in layers {
            let (before, merged) = stage(x, grid: grid)
            outputs.append((before, grid))
            if let merged { (x, grid) = merged }
        }
        return outputs
    }
}

/// Blocks alternating regular and shifted windows, then patch merging (HF `SwinStage`).
final class SwinStage: Module {
    let blocks: [SwinBlock]
    let downsample: PatchMerging?

    init(dim: Int, heads: Int, windowSize: Int, mlpRatio: Int, dropPaths: [Float], merges: Bool) {
        blocks = dropPaths.enumerated().map { i, p in
            SwinBlock(dim: dim, heads: heads, windowSize: windowSize, shift: i % 2 == 0 ? 0 : windowSize / 2, mlpRatio: mlpRatio, dropPath: p)
        }
        downsample = merges ? PatchMerging(dim: dim) : nil
    }

    /// The stage's tokens before merging, and after it (with the halved grid) where it merges.
    func callAsFunction(_ x: Tensor, grid: (Int, Int)) -> (Tensor, (Tensor, (Int, Int))?) {
        let y = blocks.reduce(x) { x, block in block(x, grid: grid) }
        return (y, downsample.map { $0(y, grid: grid) })
    }
}

/// (Shifted) window attention block: x + W-MSA(norm(x)), x + MLP(norm(x)) (HF `SwinLayer`).
final class SwinBlock: Module {
    let attention: WindowAttention
    @Child(key: "layernorm_before") var norm1: LayerNorm
    @Child(key: "layernorm_after") var norm2: LayerNorm
    let mlp: TransformerMLP
    let dropPath: DropPath
    let windowSize: Int
    let shift: Int

    init(dim: Int, heads: Int, windowSize: Int, shift: Int, mlpRatio: Int, dropPath p: Float) {
        attention = WindowAttention(dim: dim, heads: heads, windowSize: windowSize)
        mlp = TransformerMLP(dim: dim, hidden: dim * mlpRatio)
        dropPath = DropPath(p: p)
        self.windowSize = windowSize
        self.shift = shift
        super.init()
        _norm1.wrappedValue = LayerNorm(dim)
        _norm2.wrappedValue = LayerNorm(dim)
    }

    func callAsFunction(_ x: Tensor, grid: (Int, Int)) -> Tensor {
        let (n, channels) = (x.shape[0], x.shape[2])
        let (h, w) = grid
        let m = windowSize
        // Pad right/bottom to whole windows (padded tokens take part in attention, as in HF).
        let (hp, wp) = (h + (m - h % m) % m, w + (m - w % m) % m)
        var image = norm1(x).reshaped([n, h, w, channels]).padded([(0, hp - h), (0, wp - w), (0, 0)])
        if shift > 0 { image = image.rolled(shifts: [-shift, -shift], axes: [1, 2]) }
        let windows = windowPartition(image, windowSize: m)                  // [n·nW, M², C]
        let mask = shift > 0 ? shiftedWindowMask(height: hp, width: wp, windowSize: m, shift: shift) : nil
        var attended = windowReverse(attention(windows, mask: mask, batch: n), windowSize: m, height: hp, width: wp)
        if shift > 0 { attended = attended.rolled(shifts: [shift, shift], axes: [1, 2]) }
        if hp != h || wp != w { attended = attended.sliced(axis: 1, range: 0..<h).sliced(axis: 2, range: 0..<w) }
        let y = x + dropPath(attended.reshaped([n, h * w, channels]))
        return y + dropPath(mlp(norm2(y)))
    }
}

/// [N, H, W, C] → [N · H/M · W/M, M², C], windows in row-major order.
func windowPartition(_ x: Tensor, windowSize m: Int) -> Tensor {
    let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    return x.reshaped([n, h / m, m, w / m, m, c]).permuted(0, 1, 3, 2, 4, 5).reshaped([n * (h / m) * (w / m), m * m, c])
}

/// The inverse of `windowPartition`: [N · nW, M², C] → [N, H, W, C].
func windowReverse(_ windows: Tensor, windowSize m: Int, height h: Int, width w: Int) -> Tensor {
    let c = windows.shape[2]
    let n = windows.shape[0] / ((h / m) * (w / m))
    return windows.reshaped([n, h / m, w / m, m, m, c]).permuted(0, 1, 3, 2, 4, 5).reshaped([n, h, w, c])
}

/// The shifted-window mask [nW, 1, M², M²]: after the cyclic shift, a window mixes up to three
/// regions per axis that were not neighbours; pairs from different regions get −100 (HF, official).
func shiftedWindowMask(height h: Int, width w: Int, windowSize m: Int, shift s: Int) -> Tensor {
    func region(_ i: Int, _ size: Int) -> Int { (i >= size - m ? 1 : 0) + (i >= size - s ? 1 : 0) }
    let (nh, nw) = (h / m, w / m)
    var mask = [Float](repeating: 0, count: nh * nw * m * m * m * m)
    for wy in 0..<nh {
        for wx in 0..<nw {
            let labels = (0..<(m * m)).map { t in region(wy * m + t / m, h) * 3 + region(wx * m + t % m, w) }
            let base = (wy * nw + wx) * m * m * m * m
            for i in 0..<(m * m) {
                for j in 0..<(m * m) where labels[i] != labels[j] { mask[base + i * m * m + j] = -100 }
            }
        }
    }
    return Tensor(shape: [nh * nw, 1, m * m, m * m], scalars: mask)
}

/// Multi-head self-attention inside each window, plus a learned bias per relative offset: a
/// table of (2M−1)² × heads entries, looked up by each token pair's offset (HF `SwinAttention`).
final class WindowAttention: Module {
    @Child(key: "q_proj") var query: Linear
    @Child(key: "k_proj") var key: Linear
    @Child(key: "v_proj") var value: Linear
    @Child(key: "o_proj") var output: Linear
    @Child(key: "relative_position_bias") var bias: RelativePositionBias
    let heads: Int

    init(dim: Int, heads: Int, windowSize: Int) {
        self.heads = heads
        super.init()
        _query.wrappedValue = Linear(dim, dim)
        _key.wrappedValue = Linear(dim, dim)
        _value.wrappedValue = Linear(dim, dim)
        _output.wrappedValue = Linear(dim, dim)
        _bias.wrappedValue = RelativePositionBias(windowSize: windowSize, heads: heads)
    }

    /// `windows` [n·nW, M², C]; `mask` [nW, 1, M², M²] or nil.
    func callAsFunction(_ windows: Tensor, mask: Tensor?, batch n: Int) -> Tensor {
        let (count, length, dim) = (windows.shape[0], windows.shape[1], windows.shape[2])
        let perImage = count / n
        func split(_ t: Tensor) -> Tensor { t.reshaped([n, perImage, length, heads, dim / heads]).transposed(2, 3) }
        var scoreBias = bias().unsqueezed(axis: 0)                                 // [1, heads, M², M²]
        if let mask { scoreBias = scoreBias + mask }                              // [nW, heads, M², M²]
        let attended = Tensor.scaledDotProductAttention(query: split(query(windows)), key: split(key(windows)),
                                                        value: split(value(windows)), bias: scoreBias)
        return output(attended.transposed(2, 3).reshaped([count, length, dim]))
    }

    /// FLOPs of one window's attention: projections and QKᵀ, AV over its M² tokens.
    static func attentionFLOPs(windowTokens t: Int, dim: Int) -> Int {
        2 * t * dim * (4 * dim) + 2 * t * t * dim * 2
    }
}

/// The relative position bias table [(2M−1)², heads] and its index: token pair (i, j) of an M×M
/// window reads row (Δy + M − 1)(2M − 1) + (Δx + M − 1).
final class RelativePositionBias: Module {
    @Param(key: "relative_position_bias_table") var table: Tensor
    @Constant var index: [Int]
    let windowSize: Int

    init(windowSize m: Int, heads: Int) {
        windowSize = m
        var index: [Int] = []
        for i in 0..<(m * m) {
            for j in 0..<(m * m) {
                index.append((i / m - j / m + m - 1) * (2 * m - 1) + (i % m - j % m + m - 1))
            }
        }
        self.index = index
        super.init()
        _table.wrappedValue = DefaultGenerator.with { Tensor.truncatedNormal([(2 * m - 1) * (2 * m - 1), heads], std: 0.02, generator: &$0) }
    }

    /// [heads, M², M²].
    func callAsFunction() -> Tensor {
        let m2 = windowSize * windowSize
        return table.indexSelect(axis: 0, indices: index).reshaped([m2, m2, table.shape[1]]).permuted(2, 0, 1)
    }
}

/// Patch merging: each 2×2 neighbourhood concatenated (4C), normed, and projected to 2C; odd maps
/// are padded first (HF `SwinPatchMerging`: `reduction`, `norm`).
final class PatchMerging: Module {
    let reduction: Linear
    let norm: LayerNorm

    init(dim: Int) {
        reduction = Linear(4 * dim, 2 * dim, bias: false)
        norm = LayerNorm(4 * dim)
    }

    func callAsFunction(_ x: Tensor, grid: (Int, Int)) -> (Tensor, (Int, Int)) {
        let (n, c) = (x.shape[0], x.shape[2])
        let (h, w) = grid
        let image = x.reshaped([n, h, w, c]).padded([(0, h % 2), (0, w % 2), (0, 0)])
        let (h2, w2) = ((h + 1) / 2, (w + 1) / 2)
        func pick(_ row: Int, _ col: Int) -> Tensor {
            image.sliced(axis: 1, range: row..<(2 * h2), stride: 2).sliced(axis: 2, range: col..<(2 * w2), stride: 2)
        }
        let merged = Tensor.concat([pick(0, 0), pick(1, 0), pick(0, 1), pick(1, 1)], axis: -1)
        return (reduction(norm(merged.reshaped([n, h2 * w2, 4 * c]))), (h2, w2))
    }
}
