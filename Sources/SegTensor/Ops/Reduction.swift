import Foundation

extension Tensor {
    /// The keep-dims shape of reducing `axes` (all axes when empty... use `nil` for all).
    func reducedShape(_ axes: [Int]?, op: String) -> (keep: [Int], axes: Set<Int>) {
        let set = Set((axes ?? Array(0..<rank)).map { normalizeAxis($0, rank: rank, op: op) })
        return (shape.enumerated().map { set.contains($0.offset) ? 1 : $0.element }, set)
    }

    func dropReduced(_ keep: [Int], _ axes: Set<Int>, keepDims: Bool) -> [Int] {
        keepDims ? keep : keep.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    /// Sum over `axes` (all axes when nil).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let (keep, set) = reducedShape(axes, op: "sum")
        let s = TensorStorage(count: keep.product)
        reduceKernel(AddFunction.self, pointer, shape, s.pointer, keep)
        let myShape = shape
        return Tensor.record("sum", s, shape: dropReduced(keep, set, keepDims: keepDims), inputs: [self]) { g, _ in
            [g.reshaped(keep).expanded(to: myShape)]
        }
    }
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let (keep, _) = reducedShape(axes, op: "mean")
        let n = Swift.max(1, count / Swift.max(1, keep.product))
        return sum(axes: axes, keepDims: keepDims) * (1 / Float(n))
    }
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// Variance over `axes`; `unbiased` divides by n − 1 (PyTorch's default for `var`).
    public func variance(axes: [Int]? = nil, unbiased: Bool = true, keepDims: Bool = false) -> Tensor {
        let (keep, _) = reducedShape(axes, op: "variance")
        let n = count / Swift.max(1, keep.product)
        let centered = self - mean(axes: axes, keepDims: true)
        return centered.square().sum(axes: axes, keepDims: keepDims) * (1 / Float(Swift.max(unbiased ? n - 1 : n, 1)))
    }
    public func variance(axis: Int, unbiased: Bool = true, keepDims: Bool = false) -> Tensor {
        variance(axes: [axis], unbiased: unbiased, keepDims: keepDims)
    }

    func extremum<F: ReduceFunction>(_ f: F.Type, _ op: String, axes: [Int]?, keepDims: Bool) -> Tensor {
        let (keep, set) = reducedShape(axes, op: op)
        precondition(count > 0, "\(op): empty tensor of shape \(shape)")
        let s = TensorStorage(count: keep.product)
        reduceKernel(f, pointer, shape, s.pointer, keep)
        let x = self
        return Tensor.record(op, s, shape: dropReduced(keep, set, keepDims: keepDims), inputs: [self], savesOutput: true) { g, out in
            // The gradient is shared evenly among the elements equal to the extremum.
            let mask = x.eq(out.reshaped(keep))
            let ties = mask.sum(axes: Array(set), keepDims: true)
            return [mask * (g.reshaped(keep) / ties)]
        }
    }
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor { extremum(MaxFunction.self, "max", axes: axes, keepDims: keepDims) }
    public func min(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor { extremum(MinFunction.self, "min", axes: axes, keepDims: keepDims) }
    public func max(axis: Int, keepDims: Bool = false) -> Tensor { max(axes: [axis], keepDims: keepDims) }
    public func min(axis: Int, keepDims: Bool = false) -> Tensor { min(axes: [axis], keepDims: keepDims) }

    /// (outer, n, inner) sizes around `axis`.
    func splitAround(_ axis: Int) -> (Int, Int, Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    /// Index of the largest value along `axis` (the first on ties), as Float values.
    public func argmax(axis: Int, keepDims: Bool = false) -> Tensor {
        let ax = normalizeAxis(axis, rank: rank, op: "argmax")
        let (outer, n, inner) = splitAround(ax)
        precondition(n > 0, "argmax: axis \(axis) of shape \(shape) is empty")
        let s = TensorStorage(count: outer * inner)
        let x = pointer
        for o in 0..<outer {
            for i in 0..<inner {
                var best = x[o * n * inner + i], bi = 0
                for k in 1..<n {
                    let v = x[(o * n + k) * inner + i]
                    if v > best || (v.isNaN && !best.isNaN) { best = v; bi = k }
                }
                s.pointer[o * inner + i] = Float(bi)
            }
        }
        var outShape = shape
        if keepDims { outShape[ax] = 1 } else { outShape.remove(at: ax) }
        return Tensor(storage: s, shape: outShape)
    }

    public func argmin(axis: Int, keepDims: Bool = false) -> Tensor { neg().detached().argmax(axis: axis, keepDims: keepDims) }

    /// Softmax along `axis`, computed stably (max subtracted).
    public func softmax(axis: Int = -1) -> Tensor {
        let ax = normalizeAxis(axis, rank: rank, op: "softmax")
        let (outer, n, inner) = splitAround(ax)
        let s = TensorStorage(count: count)
        SoftmaxKernel.forward(pointer, s.pointer, outer: outer, n: n, inner: inner, log: false)
        return Tensor.record("softmax", s, shape: shape, inputs: [self], savesOutput: true) { g, y in
            // dx = y · (g − Σ g·y)
            let gs = TensorStorage(count: g.count)
            SoftmaxKernel.backward(y.pointer, g.pointer, gs.pointer, outer: outer, n: n, inner: inner, log: false)
            return [Tensor(storage: gs, shape: g.shape)]
        }
    }

    /// log(softmax) along `axis`, computed stably.
    public func logSoftmax(axis: Int = -1) -> Tensor {
        let ax = normalizeAxis(axis, rank: rank, op: "logSoftmax")
        let (outer, n, inner) = splitAround(ax)
        let s = TensorStorage(count: count)
        SoftmaxKernel.forward(pointer, s.pointer, outer: outer, n: n, inner: inner, log: true)
        return Tensor.record("logSoftmax", s, shape: shape, inputs: [self], savesOutput: true) { g, y in
            // dx = g − softmax · Σ g
            let gs = TensorStorage(count: g.count)
            SoftmaxKernel.backward(y.pointer, g.pointer, gs.pointer, outer: outer, n: n, inner: inner, log: true)
            return [Tensor(storage: gs, shape: g.shape)]
        }
    }

    /// log Σ exp along axes, computed stably.
    public func logSumExp(axes: [Int], keepDims: Bool = false) -> Tensor {
        let m = detached().max(axes: axes, keepDims: true)
        let r = (self - m).exp().sum(axes: axes, keepDims: true).log() + m
        return keepDims ? r : r.reshaped(dropReduced(reducedShape(axes, op: "logSumExp").keep, reducedShape(axes, op: "logSumExp").axes, keepDims: false))
    }
}


extension Tensor {
    /// x / max(‖x‖₂, eps) along `axis` (PyTorch's F.normalize with p = 2).
    public func normalized(axis: Int = -1, eps: Float = 1e-12) -> Tensor {
        Trace.composite("L2 norm", inputs: [self]) { self / square().sum(axis: axis, keepDims: true).sqrt().clamp(min: eps) }
    }

    /// Largest |self − other| (same shape), for tests and checks.
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape, "maxAbsDifference: shapes \(shape) and \(other.shape) differ")
        var m: Float = 0
        for i in 0..<count { m = Swift.max(m, Swift.abs(pointer[i] - other.pointer[i])) }
        return m
    }

    /// Whether |self − other| ≤ atol + rtol·|other| everywhere (NumPy's allclose; shapes must match).
    public func isClose(to other: Tensor, rtol: Float = 1e-5, atol: Float = 1e-8) -> Bool {
        guard shape == other.shape else { return false }
        for i in 0..<count where !(Swift.abs(pointer[i] - other.pointer[i]) <= atol + rtol * Swift.abs(other.pointer[i])) {
            return false
        }
        return true
    }
}
