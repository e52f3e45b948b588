import SegNN
import SegTensor

// The pieces of a Vision Transformer (Dosovitskiy et al., ICLR 2021), named as timm's
// `vision_transformer.py` names them, so timm checkpoints load by key.

/// Non-overlapping patches: a `patch`×`patch` convolution with stride `patch` (timm `PatchEmbed`,
/// key `proj`); [N, C, H, W] → tokens [N, H/p · W/p, D] and the grid (H/p, W/p).
public final class PatchEmbedding: Module {
    let proj: Conv2d
    public let patchSize: Int

    public init(patchSize: Int, inChannels: Int = 3, embedDim: Int) {
        self.patchSize = patchSize
        proj = Conv2d(inChannels, embedDim, kernelSize: patchSize, stride: patchSize)
    }

    public func callAsFunction(_ image: Tensor) -> (tokens: Tensor, grid: (Int, Int)) {
        let x = proj(image)                                      // [N, D, H/p, W/p]
        return (x.flattened(startAxis: 2).transposed(1, 2), (x.shape[2], x.shape[3]))
    }
}

/// Multi-head self-attention with one fused `qkv` projection and an output `proj` (timm `Attention`).
public final class MultiHeadSelfAttention: Module {
    let qkv: Linear
    let proj: Linear
    public let heads: Int

    public init(dim: Int, heads: Int, qkvBias: Bool = true) {
        precondition(dim % heads == 0, "MultiHeadSelfAttention: \(heads) heads do not divide \(dim) channels")
        self.heads = heads
        qkv = Linear(dim, 3 * dim, bias: qkvBias)
        proj = Linear(dim, dim)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let (n, length, dim) = (x.shape[0], x.shape[1], x.shape[2])
        let qkv = self.qkv(x).reshaped([n, length, 3, heads, dim / heads]).permuted(2, 0, 3, 1, 4)
        let q = qkv.sliced(axis: 0, range: 0..<1).squeezed(axis: 0)
        let k = qkv.sliced(axis: 0, range: 1..<2).squeezed(axis: 0)
        let v = qkv.sliced(axis: 0, range: 2..<3).squeezed(axis: 0)
        let attended = Tensor.scaledDotProductAttention(query: q, key: k, value: v)   // [N, heads, L, d]
        return proj(attended.transposed(1, 2).reshaped([n, length, dim]))
    }

    /// Multiply-accumulates ×2 of one attention over `tokens` tokens of width `dim`: the qkv and
    /// output projections (linear in tokens) and QKᵀ, AV (quadratic in tokens).
    public static func attentionFLOPs(tokens: Int, dim: Int) -> Int {
        let projections = 2 * tokens * dim * (3 * dim) + 2 * tokens * dim * dim
        let scoresAndMix = 2 * tokens * tokens * dim * 2
        return projections + scoresAndMix
    }
}

/// Linear → GELU → Linear (timm `Mlp`: keys `fc1`, `fc2`).
public final class TransformerMLP: Module, Layer {
    let fc1: Linear
    let act = GELU()
    let fc2: Linear

    public init(dim: Int, hidden: Int) {
        fc1 = Linear(dim, hidden)
        fc2 = Linear(hidden, dim)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { fc2(act(fc1(x))) }
}

/// A pre-norm transformer block: x + attn(norm1(x)), then x + mlp(norm2(x)), each branch with
/// stochastic depth in training (timm `Block`; Segmenter's `Block` has the same keys).
public final class TransformerBlock: Module, Layer {
    let norm1: LayerNorm
    let attn: MultiHeadSelfAttention
    let norm2: LayerNorm
    let mlp: TransformerMLP
    let dropPath: DropPath

    public init(dim: Int, heads: Int, mlpRatio: Int = 4, eps: Float = 1e-6, dropPath p: Float = 0) {
        norm1 = LayerNorm(dim, eps: eps)
        attn = MultiHeadSelfAttention(dim: dim, heads: heads)
        norm2 = LayerNorm(dim, eps: eps)
        mlp = TransformerMLP(dim: dim, hidden: dim * mlpRatio)
        dropPath = DropPath(p: p)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let y = x + dropPath(attn(norm1(x)))
        return y + dropPath(mlp(norm2(y)))
    }
}

/// How positional embeddings are resized to another grid.
public enum PositionEmbeddingResize: Sendable, Equatable {
    /// timm's `resample_abs_pos_embed`: bicubic with `antialias=True`, i.e. PIL's separable cubic
    /// filter (a = −0.5, weights renormalised at the borders, widened when shrinking).
    case timmAntialiasedBicubic
    /// `F.interpolate` with this mode (HF ViT: bicubic, align_corners false; Segmenter: bilinear).
    case interpolate(InterpolationMode)
}

/// Learned positional embeddings [1, prefix + h·w, D] laid out for a `grid`, resized to another
/// grid as an image, the prefix (class) tokens kept aside, as timm and HF do.
public func resizedPositionEmbedding(_ embedding: Tensor, prefixTokens: Int, from grid: (Int, Int), to newGrid: (Int, Int),
                                     mode: PositionEmbeddingResize = .timmAntialiasedBicubic) -> Tensor {
    if grid == newGrid { return embedding }
    let dim = embedding.shape[2]
    precondition(embedding.shape[1] == prefixTokens + grid.0 * grid.1,
                 "resizedPositionEmbedding: \(embedding.shape) is not \(prefixTokens) + \(grid.0)×\(grid.1) tokens")
    let prefix = embedding.sliced(axis: 1, range: 0..<prefixTokens)
    let image = embedding.sliced(axis: 1, range: prefixTokens..<embedding.shape[1]).reshaped([grid.0, grid.1, dim])
    let resized: Tensor
    switch mode {
    case .interpolate(let interpolation):
        resized = image.permuted(2, 0, 1).unsqueezed(axis: 0).resized(to: newGrid, mode: interpolation)
            .squeezed(axis: 0).permuted(1, 2, 0).reshaped([1, newGrid.0 * newGrid.1, dim])
    case .timmAntialiasedBicubic:
        // Separable: rows then columns, each a [new, old] weight matrix.
        let rows = antialiasedCubicWeights(from: grid.0, to: newGrid.0)                 // [h', h]
        let cols = antialiasedCubicWeights(from: grid.1, to: newGrid.1)                 // [w', w]
        let alongRows = rows.matmul(image.reshaped([grid.0, grid.1 * dim])).reshaped([newGrid.0, grid.1, dim])
        let alongCols = cols.unsqueezed(axis: 0).matmul(alongRows)                      // [h', w', D]
        resized = alongCols.reshaped([1, newGrid.0 * newGrid.1, dim])
    }
    return prefixTokens > 0 ? Tensor.concat([prefix, resized], axis: 1) : resized
}

/// PyTorch's antialiased bicubic weights (`_upsample_bicubic2d_aa`, PIL's algorithm) for resizing
/// one axis from `n` to `m` samples, align_corners false: row i holds the weights of output i.
func antialiasedCubicWeights(from n: Int, to m: Int) -> Tensor {
    func filter(_ x: Double) -> Double {
        let a = -0.5, x = Swift.abs(x)
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return 0
    }
    let scale = Double(n) / Double(m)
    let support = scale >= 1 ? 2 * scale : 2
    let inverse = scale >= 1 ? 1 / scale : 1
    var weights = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        let center = scale * (Double(i) + 0.5)
        let low = Swift.max(Int(center - support + 0.5), 0)
        let high = Swift.min(Int(center + support + 0.5), n)
        let raw = (low..<high).map { filter((Double($0) - center + 0.5) * inverse) }
        let total = raw.reduce(0, +)
        for (k, j) in (low..<high).enumerated() { weights[i * n + j] = Float(total != 0 ? raw[k] / total : 0) }
    }
    return Tensor(shape: [m, n], scalars: weights)
}

/// Tokens [N, h·w, D] as an image [N, D, h, w].
func tokensToImage(_ tokens: Tensor, grid: (Int, Int)) -> Tensor {
    let (n, dim) = (tokens.shape[0], tokens.shape[2])
    return tokens.transposed(1, 2).reshaped([n, dim, grid.0, grid.1])
}

/// An image [N, D, h, w] as tokens [N, h·w, D].
func imageToTokens(_ image: Tensor) -> Tensor {
    image.flattened(startAxis: 2).transposed(1, 2)
}
