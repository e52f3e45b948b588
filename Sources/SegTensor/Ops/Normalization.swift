extension Tensor {
    /// Batch normalisation over every axis but 1 (channels), PyTorch's F.batch_norm.
    /// Training: normalises with the batch mean and biased variance, and updates `runningMean` and
    /// `runningVar` in place (momentum; unbiased variance). Eval: uses the running statistics
    /// (batch statistics when none are given). Fused loops: one pass for statistics, one to normalise.
    public func batchNorm(runningMean: Tensor?, runningVar: Tensor?, weight: Tensor?, bias: Tensor?,
                          training: Bool, momentum: Float = 0.1, eps: Float = 1e-5) -> Tensor {
        precondition(rank >= 2, "batchNorm: input \(shape) needs a channel axis (N, C, ...)")
        let (n, c) = (shape[0], shape[1])
        let s = shape[2...].reduce(1, *)
        for (name, t) in [("runningMean", runningMean), ("runningVar", runningVar), ("weight", weight), ("bias", bias)] {
            if let t { precondition(t.shape == [c], "batchNorm: \(name) \(t.shape), input \(shape) expects [\(c)]") }
        }
        let useBatch = training || runningMean == nil || runningVar == nil
        let mean = TensorStorage(count: c), invstd = TensorStorage(count: c)
        if useBatch {
            precondition(!training || n * s > 1, "batchNorm: training needs more than one value per channel, input \(shape)")
            let variance = TensorStorage(count: c)
            BatchNormLoops.statistics(pointer, n: n, c: c, s: s, mean: mean.pointer, variance: variance.pointer)
            for ch in 0..<c { invstd.pointer[ch] = 1 / (variance.pointer[ch] + eps).squareRoot() }
            if training, let runningMean, let runningVar {
                let unbias = Float(n * s) / Float(Swift.max(n * s - 1, 1))
                runningMean.update { p in for i in 0..<c { p[i] = (1 - momentum) * p[i] + momentum * mean.pointer[i] } }
                runningVar.update { p in for i in 0..<c { p[i] = (1 - momentum) * p[i] + momentum * variance.pointer[i] * unbias } }
            }
        } else {
            for ch in 0..<c {
                mean.pointer[ch] = runningMean!.pointer[ch]
                invstd.pointer[ch] = 1 / (runningVar!.pointer[ch] + eps).squareRoot()
            }
        }
        let scale = TensorStorage(count: c), shift = TensorStorage(count: c)
        for ch in 0..<c {
            scale.pointer[ch] = (weight?.pointer[ch] ?? 1) * invstd.pointer[ch]
            shift.pointer[ch] = (bias?.pointer[ch] ?? 0) - mean.pointer[ch] * scale.pointer[ch]
        }
        let out = TensorStorage(count: count)
        BatchNormLoops.affine(pointer, out.pointer, n: n, c: c, s: s, scale: scale.pointer, shift: shift.pointer)
        let x = self
        var inputs = [x]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        return Tensor.record("batchNorm", out, shape: shape, inputs: inputs) { g, _ in
            let sumG = TensorStorage(count: c), sumGXhat = TensorStorage(count: c)
            BatchNormLoops.gradientSums(x.pointer, g.pointer, n: n, c: c, s: s, mean: mean.pointer, invstd: invstd.pointer,
                                        sumG: sumG.pointer, sumGXhat: sumGXhat.pointer)
            var grads: [Tensor?] = []
            if x.requiresGrad {
                let dx = TensorStorage(count: x.count)
                if useBatch {
                    BatchNormLoops.inputGradient(x.pointer, g.pointer, dx.pointer, n: n, c: c, s: s, mean: mean.pointer,
                                                 invstd: invstd.pointer, weight: weight.map { UnsafePointer($0.pointer) },
                                                 sumG: sumG.pointer, sumGXhat: sumGXhat.pointer)
                } else {
                    let zero = TensorStorage(repeating: 0, count: c)
                    BatchNormLoops.affine(g.pointer, dx.pointer, n: n, c: c, s: s, scale: scale.pointer, shift: zero.pointer)
                }
                grads.append(Tensor(storage: dx, shape: x.shape))
            } else { grads.append(nil) }
            if weight != nil { grads.append(Tensor(storage: sumGXhat, shape: [c])) }
            if bias != nil { grads.append(Tensor(storage: sumG, shape: [c])) }
            return grads
        }
    }

    /// Layer normalisation over the last `normalizedShape.count` axes (PyTorch's F.layer_norm),
    /// with elementwise affine `weight` and `bias` of that shape.
    public func layerNorm(normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil, eps: Float = 1e-5) -> Tensor {
        let k = normalizedShape.count
        precondition(k >= 1 && k <= rank && Array(shape.suffix(k)) == normalizedShape,
                     "layerNorm: input \(shape) does not end with normalized shape \(normalizedShape)")
        if let weight { precondition(weight.shape == normalizedShape, "layerNorm: weight \(weight.shape), expected \(normalizedShape)") }
        if let bias { precondition(bias.shape == normalizedShape, "layerNorm: bias \(bias.shape), expected \(normalizedShape)") }
        let d = normalizedShape.product, rows = count / Swift.max(d, 1)
        let out = TensorStorage(count: count), mean = TensorStorage(count: rows), rstd = TensorStorage(count: rows)
        LayerNormLoops.forward(pointer, out.pointer, rows: rows, d: d, eps: eps, weight: weight.map { UnsafePointer($0.pointer) },
                               bias: bias.map { UnsafePointer($0.pointer) }, mean: mean.pointer, rstd: rstd.pointer)
        let x = self
        var inputs = [x]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        return Tensor.record("layerNorm", out, shape: shape, inputs: inputs) { g, _ in
            var grads: [Tensor?] = []
            if x.requiresGrad {
                let dx = TensorStorage(count: x.count)
                LayerNormLoops.inputGradient(x.pointer, g.pointer, dx.pointer, rows: rows, d: d,
                                             weight: weight.map { UnsafePointer($0.pointer) }, mean: mean.pointer, rstd: rstd.pointer)
                grads.append(Tensor(storage: dx, shape: x.shape))
            } else { grads.append(nil) }
            let dw = weight == nil ? nil : TensorStorage(count: d), db = bias == nil ? nil : TensorStorage(count: d)
            if dw != nil || db != nil {
                LayerNormLoops.parameterGradients(x.pointer, g.pointer, rows: rows, d: d, mean: mean.pointer, rstd: rstd.pointer,
                                                  dw: dw?.pointer, db: db?.pointer)
            }
            if let dw { grads.append(Tensor(storage: dw, shape: normalizedShape)) }
            if let db { grads.append(Tensor(storage: db, shape: normalizedShape)) }
            return grads
        }
    }

    /// Group normalisation (Wu & He, 2018): channels in `groups` groups, each normalised over its
    /// channels and spatial positions; per-channel affine.
    public func groupNorm(groups: Int, weight: Tensor? = nil, bias: Tensor? = nil, eps: Float = 1e-5) -> Tensor {
        precondition(rank >= 2 && groups >= 1 && shape[1] % groups == 0, "groupNorm: \(groups) groups do not divide the channels of \(shape)")
        let (n, c) = (shape[0], shape[1])
        // Each (sample, group) is one row of the fused layer norm.
        let d = count / Swift.max(n * groups, 1)
        var y = reshaped([n, groups, d]).layerNorm(normalizedShape: [d], eps: eps).reshaped(shape)
        var statShape = [Int](repeating: 1, count: rank)
        statShape[1] = c
        if let weight { precondition(weight.shape == [c], "groupNorm: weight \(weight.shape), expected [\(c)]"); y = y * weight.reshaped(statShape) }
        if let bias { precondition(bias.shape == [c], "groupNorm: bias \(bias.shape), expected [\(c)]"); y = y + bias.reshaped(statShape) }
        return y
    }

    /// Zeroes each element with probability `p` and scales the rest by 1/(1−p) in training; identity otherwise.
    public func dropout(p: Float, training: Bool, generator: inout SeededGenerator) -> Tensor {
        precondition(p >= 0 && p <= 1, "dropout: p = \(p) out of [0, 1]")
        if !training || p == 0 { return self }
        if p == 1 { return self * 0 }
        let mask = Tensor.bernoulli(shape, p: 1 - p, generator: &generator) * (1 / (1 - p))
        return self * mask
    }

    /// Stochastic depth (timm's drop_path): zeroes whole samples (axis 0) with probability `p` and
    /// scales the rest by 1/(1−p) in training; identity otherwise.
    public func dropPath(p: Float, training: Bool, generator: inout SeededGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "dropPath: p = \(p) out of [0, 1)")
        if !training || p == 0 { return self }
        precondition(rank >= 1, "dropPath: input \(shape) has no batch axis")
        let keep = Tensor.bernoulli([shape[0]] + [Int](repeating: 1, count: rank - 1), p: 1 - p, generator: &generator)
        return self * (keep * (1 / (1 - p)))
    }

    /// softmax(Q·Kᵀ·scale + bias)·V over the last two axes (scale defaults to 1/√d).
    /// `bias` is added to the scores (broadcast); `mask` (1 = attend, 0 = masked) sets scores to −∞.
    public static func scaledDotProductAttention(query q: Tensor, key k: Tensor, value v: Tensor, bias: Tensor? = nil,
                                                 mask: Tensor? = nil, scale: Float? = nil) -> Tensor {
        precondition(q.rank >= 2 && k.rank >= 2 && v.rank >= 2, "scaledDotProductAttention: q \(q.shape), k \(k.shape), v \(v.shape) need rank ≥ 2")
        precondition(q.shape.last == k.shape.last, "scaledDotProductAttention: q \(q.shape) and k \(k.shape) differ in head size")
        precondition(k.shape[k.rank - 2] == v.shape[v.rank - 2], "scaledDotProductAttention: k \(k.shape) and v \(v.shape) differ in length")
        let d = Float(q.shape.last!)
        var scores = q.matmul(k, transposeOther: true) * (scale ?? 1 / d.squareRoot())
        if let bias { scores = scores + bias }
        if let mask { scores = scores.maskedFill(mask.eq(0), value: -.infinity) }
        return scores.softmax(axis: -1).matmul(v)
    }
}
