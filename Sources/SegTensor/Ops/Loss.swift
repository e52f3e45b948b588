import Foundation

/// How a loss over many elements is reduced (PyTorch's `reduction`).
public enum LossReduction: Sendable {
    /// Weighted mean over the elements that are not ignored.
    case mean
    case sum
    /// One loss per element, shaped like the labels.
    case none
}

extension Tensor {
    /// Cross-entropy of class scores (PyTorch's F.cross_entropy), fused: log-softmax over axis 1 of
    /// `self` ([N, C] or [N, C, H, W, ...]) and the negative log-likelihood of `labels` ([N] or
    /// [N, H, W, ...], class indices as Float values). Pixels labelled `ignoreIndex` (255 in VOC)
    /// count for nothing; `weight` ([C]) weighs each class, and `.mean` divides by the total weight
    /// of the counted pixels, as PyTorch.
    public func crossEntropy(labels: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                             reduction: LossReduction = .mean) -> Tensor {
        precondition(rank >= 2, "crossEntropy: scores \(shape) need a class axis (N, C, ...)")
        let c = shape[1]
        let labelShape = [shape[0]] + Array(shape[2...])
        precondition(labels.shape == labelShape, "crossEntropy: labels \(labels.shape), scores \(shape) expect \(labelShape)")
        if let weight { precondition(weight.shape == [c], "crossEntropy: weight \(weight.shape), scores \(shape) expect [\(c)]") }
        let (outer, inner) = (shape[0], shape[2...].reduce(1, *))
        let pixels = outer * inner
        let lse = TensorStorage(count: pixels), losses = TensorStorage(count: pixels), weights = TensorStorage(count: pixels)
        let x = pointer, y = labels.pointer, w = weight?.pointer
        Parallel.forChunks(pixels, grain: Swift.max(1, 8192 / Swift.max(c, 1))) { r in
            for p in r {
                let o = p / inner, i = p % inner
                let base = o * c * inner + i
                let label = Int(y[p])
                if label == ignoreIndex {
                    losses.pointer[p] = 0; weights.pointer[p] = 0; lse.pointer[p] = 0
                    continue
                }
                precondition(label >= 0 && label < c, "crossEntropy: label \(label) out of range for \(c) classes (ignoreIndex \(ignoreIndex))")
                var m = -Float.infinity
                for k in 0..<c { m = Swift.max(m, x[base + k * inner]) }
                var s: Float = 0
                for k in 0..<c { s += Foundation.exp(x[base + k * inner] - m) }
                let l = m + Foundation.log(s)
                let wy = w?[label] ?? 1
                lse.pointer[p] = l
                weights.pointer[p] = wy
                losses.pointer[p] = wy * (l - x[base + label * inner])
            }
        }
        var totalWeight = 0.0
        for p in 0..<pixels { totalWeight += Double(weights.pointer[p]) }
        let out: TensorStorage, outShape: [Int]
        switch reduction {
        case .none:
            (out, outShape) = (losses, labelShape)
        case .sum, .mean:
            var total = 0.0
            for p in 0..<pixels { total += Double(losses.pointer[p]) }
            out = TensorStorage(repeating: Float(reduction == .mean ? total / totalWeight : total), count: 1)
            outShape = []
        }
        let scores = self, inShape = shape
        return Tensor.record("crossEntropy", out, shape: outShape, inputs: [self]) { g, _ in
            // d/dx_k = coef · (softmax_k − [k = label]), coef = w[label] · g (÷ total weight for mean).
            let dx = TensorStorage(count: scores.count)
            let scale = reduction == .mean ? Float(1 / totalWeight) : 1
            Parallel.forChunks(pixels, grain: Swift.max(1, 8192 / Swift.max(c, 1))) { r in
                for p in r {
                    let o = p / inner, i = p % inner
                    let base = o * c * inner + i
                    let coef = weights.pointer[p] * (reduction == .none ? g.pointer[p] : g.pointer[0]) * scale
                    let label = Int(y[p])
                    for k in 0..<c {
                        let j = base + k * inner
                        dx.pointer[j] = coef == 0 ? 0 : coef * (Foundation.exp(scores.pointer[j] - lse.pointer[p]) - (k == label ? 1 : 0))
                    }
                }
            }
            _ = labels  // the labels stay alive with the tape
            return [Tensor(storage: dx, shape: inShape)]
        }
    }
}
