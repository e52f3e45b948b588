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
        CrossEntropyLoops.forward(pointer, labels.pointer, weight?.pointer, outer: outer, classes: c, inner: inner,
                                  ignoreIndex: ignoreIndex, lse: lse.pointer, losses: losses.pointer, weights: weights.pointer)
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
            // Per-pixel coefficient w[label]·g·scale into the weights buffer's copy.
            let coef = TensorStorage(count: pixels)
            for p in 0..<pixels { coef.pointer[p] = weights.pointer[p] * (reduction == .none ? g.pointer[p] : g.pointer[0]) * scale }
            CrossEntropyLoops.backward(scores.pointer, labels.pointer, lse.pointer, coef.pointer, dx.pointer,
                                       outer: outer, classes: c, inner: inner)
            _ = labels  // the labels stay alive with the tape
            return [Tensor(storage: dx, shape: inShape)]
        }
    }
}
