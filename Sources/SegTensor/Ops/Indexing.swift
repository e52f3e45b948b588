import Foundation

extension Tensor {
    /// PyTorch's gather: out[..., j, ...] = self[..., indices[..., j, ...], ...] along `axis`;
    /// `indices` (Float-valued integers) has self's shape except along `axis`.
    /// With axis 1 and [N, 1, H, W] labels, it picks each pixel's class score (cross-entropy).
    public func gather(axis: Int, indices: Tensor) -> Tensor {
        let ax = normalizeAxis(axis, rank: rank, op: "gather")
        precondition(indices.rank == rank && indices.shape.enumerated().allSatisfy { $0.offset == ax || $0.element == shape[$0.offset] },
                     "gather: indices \(indices.shape) must match input \(shape) outside axis \(axis)")
        let (outer, n, inner) = splitAround(ax)
        let m = indices.shape[ax]
        let s = TensorStorage(count: indices.count)
        let idx = indices.pointer, x = pointer
        for o in 0..<outer {
            for j in 0..<m {
                for i in 0..<inner {
                    let k = Int(idx[(o * m + j) * inner + i])
                    precondition(k >= 0 && k < n, "gather: index \(k) out of range for axis \(axis) of size \(n)")
                    s.pointer[(o * m + j) * inner + i] = x[(o * n + k) * inner + i]
                }
            }
        }
        let inShape = shape
        return Tensor.record("gather", s, shape: indices.shape, inputs: [self]) { g, _ in
            let gs = TensorStorage(repeating: 0, count: inShape.product)
            for o in 0..<outer {
                for j in 0..<m {
                    for i in 0..<inner {
                        let k = Int(idx[(o * m + j) * inner + i])
                        gs.pointer[(o * n + k) * inner + i] += g.pointer[(o * m + j) * inner + i]
                    }
                }
            }
            _ = indices  // keep the indices alive with the tape
            return [Tensor(storage: gs, shape: inShape)]
        }
    }

    /// Rows `indices` along `axis` (PyTorch's index_select; an embedding lookup, Swin's relative
    /// position bias table). Repeated indices accumulate in the backward.
    public func indexSelect(axis: Int, indices: [Int]) -> Tensor {
        let ax = normalizeAxis(axis, rank: rank, op: "indexSelect")
        let (outer, n, inner) = splitAround(ax)
        for k in indices { precondition(k >= 0 && k < n, "indexSelect: index \(k) out of range for axis \(axis) of \(shape)") }
        var outShape = shape
        outShape[ax] = indices.count
        let s = TensorStorage(count: outShape.product)
        let m = indices.count
        for o in 0..<outer {
            for (j, k) in indices.enumerated() {
                (s.pointer + (o * m + j) * inner).update(from: pointer + (o * n + k) * inner, count: inner)
            }
        }
        let inShape = shape
        return Tensor.record("indexSelect", s, shape: outShape, inputs: [self]) { g, _ in
            let gs = TensorStorage(repeating: 0, count: inShape.product)
            for o in 0..<outer {
                for (j, k) in indices.enumerated() {
                    let src = g.pointer + (o * m + j) * inner, dst = gs.pointer + (o * n + k) * inner
                    for i in 0..<inner { dst[i] += src[i] }
                }
            }
            return [Tensor(storage: gs, shape: inShape)]
        }
    }

    /// One-hot encoding of integer labels (Float-valued): a new axis of size `classes` at `axis`
    /// (−1: last; 1 turns [N, H, W] labels into [N, C, H, W]). Labels outside 0..<classes (an
    /// ignore index) give all-zero vectors.
    public static func oneHot(_ labels: Tensor, classes: Int, axis: Int = -1) -> Tensor {
        let ax = axis < 0 ? axis + labels.rank + 1 : axis
        precondition(ax >= 0 && ax <= labels.rank, "oneHot: axis \(axis) out of range for labels \(labels.shape)")
        var outShape = labels.shape
        outShape.insert(classes, at: ax)
        let outer = labels.shape[..<ax].reduce(1, *), inner = labels.shape[ax...].reduce(1, *)
        let s = TensorStorage(repeating: 0, count: outShape.product)
        for o in 0..<outer {
            for i in 0..<inner {
                let c = Int(labels.pointer[o * inner + i])
                if c >= 0 && c < classes { s.pointer[(o * classes + c) * inner + i] = 1 }
            }
        }
        return Tensor(storage: s, shape: outShape)
    }

    /// Evenly spaced values from `start` to `end` inclusive (torch.linspace).
    public static func linspace(from start: Float, to end: Float, count n: Int) -> Tensor {
        precondition(n >= 0, "linspace: negative count \(n)")
        if n == 1 { return Tensor([start]) }
        let step = (end - start) / Float(Swift.max(n - 1, 1))
        return Tensor((0..<n).map { $0 == n - 1 ? end : start + Float($0) * step })
    }

    /// Elementwise floor, rounding (half to even, as torch.round) and sign; no gradient.
    public func floor() -> Tensor { map { Foundation.floor($0) } }
    public func rounded() -> Tensor { map { $0.rounded(.toNearestOrEven) } }
    public func sign() -> Tensor { map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) } }
}
