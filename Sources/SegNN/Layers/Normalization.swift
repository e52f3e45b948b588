import SegTensor

/// Batch normalisation over NCHW channels (torch.nn.BatchNorm2d; Ioffe & Szegedy, 2015).
/// Train mode normalises with batch statistics and updates the running ones in place; eval mode
/// uses the running statistics. State keys: `weight`, `bias`, `running_mean`, `running_var`,
/// `num_batches_tracked`, the last a rank-0 Float tensor holding the count (PyTorch's is int64;
/// files written by PyTorch load, the count converted to Float).
public final class BatchNorm2d: Module, Layer {
    override public var settingsDescription: String {
        "\(numFeatures), eps=\(eps), momentum=\(momentum.map { "\($0)" } ?? "None"), affine=\(weight != nil ? "True" : "False"), track_running_stats=\(runningMean != nil ? "True" : "False")"
    }

    public var weight: Tensor?
    public var bias: Tensor?
    @Buffer(key: "running_mean") public var runningMean: Tensor?
    @Buffer(key: "running_var") public var runningVar: Tensor?
    @Buffer(key: "num_batches_tracked") public var numBatchesTracked: Tensor?
    public let eps: Float
    /// nil: a cumulative average (factor 1/num_batches_tracked), as PyTorch's `momentum=None`.
    public let momentum: Float?

    public init(_ numFeatures: Int, eps: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = true,
                trackRunningStats: Bool = true) {
        weight = affine ? Tensor.ones([numFeatures]).requiringGrad() : nil
        bias = affine ? Tensor.zeros([numFeatures]).requiringGrad() : nil
        self.eps = eps
        self.momentum = momentum
        super.init()
        if trackRunningStats {
            runningMean = .zeros([numFeatures])
            runningVar = .ones([numFeatures])
            numBatchesTracked = .zeros([])
        }
    }

    public var numFeatures: Int { (weight ?? runningMean)?.shape[0] ?? 0 }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4, "BatchNorm2d: expected an NCHW input, got \(input.shape)")
        let training = mode == .train
        var factor = momentum ?? 0
        if training, let count = numBatchesTracked {
            count.update { $0[0] += 1 }
            if momentum == nil { factor = 1 / count.item() }
        }
        return input.batchNorm(runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias,
                               training: training || runningMean == nil, momentum: factor, eps: eps)
    }
}

/// Layer normalisation over the last axes (torch.nn.LayerNorm; Ba et al., 2016): weight ones,
/// bias zeros, of `normalizedShape`.
public final class LayerNorm: Module, Layer {
    override public var settingsDescription: String {
        "(\(normalizedShape.map(String.init).joined(separator: ", "))\(normalizedShape.count == 1 ? "," : "")), eps=\(eps), elementwise_affine=\(weight != nil ? "True" : "False")"
    }

    public var weight: Tensor?
    public var bias: Tensor?
    public let normalizedShape: [Int]
    public let eps: Float

    public init(_ normalizedShape: [Int], eps: Float = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) {
        self.normalizedShape = normalizedShape
        self.eps = eps
        weight = elementwiseAffine ? Tensor.ones(normalizedShape).requiringGrad() : nil
        self.bias = elementwiseAffine && bias ? Tensor.zeros(normalizedShape).requiringGrad() : nil
    }

    public convenience init(_ features: Int, eps: Float = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) {
        self.init([features], eps: eps, elementwiseAffine: elementwiseAffine, bias: bias)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.layerNorm(normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps)
    }
}

/// Group normalisation (torch.nn.GroupNorm; Wu & He, 2018): per-channel weight ones, bias zeros.
public final class GroupNorm: Module, Layer {
    override public var settingsDescription: String {
        "\(numGroups), \(weight?.shape[0] ?? 0), eps=\(eps), affine=\(weight != nil ? "True" : "False")"
    }

    public var weight: Tensor?
    public var bias: Tensor?
    public let numGroups: Int
    public let eps: Float

    public init(_ numGroups: Int, _ numChannels: Int, eps: Float = 1e-5, affine: Bool = true) {
        precondition(numGroups >= 1 && numChannels % numGroups == 0, "GroupNorm: \(numGroups) groups do not divide \(numChannels) channels")
        self.numGroups = numGroups
        self.eps = eps
        weight = affine ? Tensor.ones([numChannels]).requiringGrad() : nil
        bias = affine ? Tensor.zeros([numChannels]).requiringGrad() : nil
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.groupNorm(groups: numGroups, weight: weight, bias: bias, eps: eps)
    }
}

/// Zeroes elements with probability `p` in train mode, scaling the rest by 1/(1−p); identity in
/// eval mode (torch.nn.Dropout). Draws from the shared `DefaultGenerator`.
public final class Dropout: Module, Layer {
    override public var settingsDescription: String { "p=\(p)" }

    public let p: Float

    public init(p: Float = 0.5) {
        precondition(p >= 0 && p <= 1, "Dropout: p = \(p) out of [0, 1]")
        self.p = p
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard mode == .train, p > 0 else { return input }
        return DefaultGenerator.with { input.dropout(p: p, training: true, generator: &$0) }
    }
}
