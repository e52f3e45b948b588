/// How `padded` fills the border.
public enum PaddingMode: Sendable, Equatable {
    case constant(Float)
    /// Mirror without repeating the edge (PyTorch's "reflect").
    case reflect
    /// Repeat the edge value (PyTorch's "replicate").
    case replicate
    public static let zero = PaddingMode.constant(0)
}

extension Tensor {
    // MARK: Reshape

    /// The same scalars in a new shape; one dimension may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let i = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "reshaped: cannot infer -1 in \(newShape) for \(count) scalars (shape \(shape))")
            target[i] = count / known
        }
        precondition(target.allSatisfy { $0 >= 0 } && target.product == count,
                     "reshaped: shape \(shape) (\(count) scalars) cannot become \(newShape)")
        if target == shape { return self }
        let myShape = shape
        return Tensor.record("reshape", storage, shape: target, inputs: [self]) { g, _ in [g.reshaped(myShape)] }
    }
    public func reshaped(_ dims: Int...) -> Tensor { reshaped(dims) }

    /// Merges axes startAxis...endAxis into one.
    public func flattened(startAxis: Int = 0, endAxis: Int = -1) -> Tensor {
        if rank == 0 { return reshaped([1]) }
        let s = normalizeAxis(startAxis, rank: rank, op: "flattened"), e = normalizeAxis(endAxis, rank: rank, op: "flattened")
        precondition(s <= e, "flattened: startAxis \(startAxis) after endAxis \(endAxis) for shape \(shape)")
        return reshaped(Array(shape[..<s]) + [shape[s...e].reduce(1, *)] + Array(shape[(e + 1)...]))
    }

    /// Inserts a size-1 axis at `axis` (which may equal rank).
    public func unsqueezed(axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        precondition(a >= 0 && a <= rank, "unsqueezed: axis \(axis) out of range for shape \(shape)")
        var s = shape
        s.insert(1, at: a)
        return reshaped(s)
    }

    /// Removes size-1 axes (the given one, or all).
    public func squeezed(axis: Int? = nil) -> Tensor {
        if let axis {
            let a = normalizeAxis(axis, rank: rank, op: "squeezed")
            precondition(shape[a] == 1, "squeezed: axis \(axis) of shape \(shape) has size \(shape[a]), not 1")
            var s = shape
            s.remove(at: a)
            return reshaped(s)
        }
        return reshaped(shape.filter { $0 != 1 })
    }

    // MARK: Strided views (materialised)

    /// out[i] = self[offset + Σ iₖ·stridesₖ], with the adjoint scatter as backward.
    func gathered(_ op: String, shape outShape: [Int], offset: Int, strides: [Int]) -> Tensor {
        let s = TensorStorage(count: outShape.product)
        stridedCopy(outShape, pointer + offset, strides, s.pointer, outShape.contiguousStrides)
        let inShape = shape
        return Tensor.record(op, s, shape: outShape, inputs: [self]) { g, _ in
            let gs = TensorStorage(repeating: 0, count: inShape.product)
            stridedCopy(outShape, g.pointer, outShape.contiguousStrides, gs.pointer + offset, strides)
            return [Tensor(storage: gs, shape: inShape)]
        }
    }

    /// Reorders axes: result axis i is self's axis `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        let ord = order.map { normalizeAxis($0, rank: rank, op: "permuted") }
        precondition(ord.count == rank && Set(ord).count == rank, "permuted: order \(order) is not a permutation of the \(rank) axes of \(shape)")
        if ord == Array(0..<rank) { return self }
        let strides = shape.contiguousStrides
        return gathered("permute", shape: ord.map { shape[$0] }, offset: 0, strides: ord.map { strides[$0] })
    }
    public func permuted(_ order: Int...) -> Tensor { permuted(order) }

    /// Swaps two axes (the last two by default).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var ord = Array(0..<rank)
        ord.swapAt(normalizeAxis(a, rank: rank, op: "transposed"), normalizeAxis(b, rank: rank, op: "transposed"))
        return permuted(ord)
    }

    /// Elements `range` (step `stride`) along `axis`.
    public func sliced(axis: Int, range: Range<Int>, stride step: Int = 1) -> Tensor {
        let ax = normalizeAxis(axis, rank: rank, op: "sliced")
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[ax], "sliced: range \(range) out of bounds for axis \(axis) of shape \(shape)")
        precondition(step >= 1, "sliced: stride \(step) must be positive")
        if range == 0..<shape[ax] && step == 1 { return self }
        var outShape = shape
        outShape[ax] = (range.count + step - 1) / step
        var strides = shape.contiguousStrides
        let offset = range.lowerBound * strides[ax]
        strides[ax] *= step
        return gathered("slice", shape: outShape, offset: offset, strides: strides)
    }
    public func sliced(axis: Int, range: ClosedRange<Int>) -> Tensor { sliced(axis: axis, range: range.lowerBound..<(range.upperBound + 1)) }

    /// Reverses the order along `axis`.
    public func flipped(axis: Int) -> Tensor {
        let ax = normalizeAxis(axis, rank: rank, op: "flipped")
        var strides = shape.contiguousStrides
        let offset = shape[ax] > 0 ? (shape[ax] - 1) * strides[ax] : 0
        strides[ax] = -strides[ax]
        return gathered("flip", shape: shape, offset: offset, strides: strides)
    }

    // MARK: Joining and splitting

    /// Joins tensors along `axis`; the other dims must match.
    public static func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concat: no tensors")
        let first = tensors[0]
        let ax = normalizeAxis(axis, rank: first.rank, op: "concat")
        for t in tensors {
            precondition(t.rank == first.rank && t.shape.enumerated().allSatisfy { $0.offset == ax || $0.element == first.shape[$0.offset] },
                         "concat: shapes \(tensors.map(\.shape)) differ outside axis \(axis)")
        }
        if tensors.count == 1 { return first }
        var outShape = first.shape
        outShape[ax] = tensors.reduce(0) { $0 + $1.shape[ax] }
        let s = TensorStorage(count: outShape.product)
        // Inference, channels of convolutions' outputs still in oneDNN's layout: joined in it.
        if ax == 1, first.rank == 4, !isGradEnabled, Trace.allowsFusionHere,
           tensors.contains(where: { $0.storage.layout != nil }),
           DNNLConcat.forward(tensors.map(\.storage), shapes: tensors.map(\.shape), output: s, outputShape: outShape) {
            return record("concat", s, shape: outShape, inputs: tensors) { _, _ in
                preconditionFailure("concat: the inference concat records no gradient")
            }
        }
        let outStrides = outShape.contiguousStrides
        var start = 0
        var starts: [Int] = []
        for t in tensors {
            starts.append(start)
            stridedCopy(t.shape, t.pointer, t.shape.contiguousStrides, s.pointer + start * outStrides[ax], outStrides)
            start += t.shape[ax]
        }
        let sizes = tensors.map { $0.shape[ax] }
        return record("concat", s, shape: outShape, inputs: tensors) { g, _ in
            zip(starts, sizes).map { g.sliced(axis: ax, range: $0..<($0 + $1)) }
        }
    }

    /// Splits along `axis` into pieces of the given sizes (which must add up to the axis size).
    public func split(sizes: [Int], axis: Int) -> [Tensor] {
        let ax = normalizeAxis(axis, rank: rank, op: "split")
        precondition(sizes.reduce(0, +) == shape[ax], "split: sizes \(sizes) do not add up to \(shape[ax]) (axis \(axis) of \(shape))")
        var start = 0
        return sizes.map { n in
            defer { start += n }
            return sliced(axis: ax, range: start..<(start + n))
        }
    }

    /// Splits along `axis` into `chunks` equal pieces (PyTorch's chunk, when divisible).
    public func chunked(_ chunks: Int, axis: Int) -> [Tensor] {
        let ax = normalizeAxis(axis, rank: rank, op: "chunked")
        precondition(chunks > 0 && shape[ax] % chunks == 0, "chunked: axis \(axis) of \(shape) does not split into \(chunks)")
        return split(sizes: [Int](repeating: shape[ax] / chunks, count: chunks), axis: ax)
    }

    /// Stacks equal-shaped tensors along a new axis.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack: no tensors")
        precondition(tensors.allSatisfy { $0.shape == tensors[0].shape }, "stack: shapes \(tensors.map(\.shape)) differ")
        return concat(tensors.map { $0.unsqueezed(axis: axis) }, axis: axis < 0 ? axis : axis)
    }

    // MARK: Padding and rolling

    /// Pads the last `pads.count` axes: `pads[i] = (before, after)` for axis `rank - pads.count + i`.
    public func padded(_ pads: [(Int, Int)], mode: PaddingMode = .zero) -> Tensor {
        precondition(pads.count <= rank, "padded: \(pads.count) pads for shape \(shape)")
        precondition(pads.allSatisfy { $0.0 >= 0 && $0.1 >= 0 }, "padded: negative pads \(pads)")
        let first = rank - pads.count
        switch mode {
        case .constant(let value):
            var outShape = shape
            for (i, p) in pads.enumerated() { outShape[first + i] += p.0 + p.1 }
            if outShape == shape { return self }
            let s = TensorStorage(repeating: value, count: outShape.product)
            let outStrides = outShape.contiguousStrides
            let offset = pads.enumerated().reduce(0) { $0 + $1.element.0 * outStrides[first + $1.offset] }
            stridedCopy(shape, pointer, shape.contiguousStrides, s.pointer + offset, outStrides)
            let myShape = shape
            return Tensor.record("pad", s, shape: outShape, inputs: [self]) { g, _ in
                var r = g
                for (i, p) in pads.enumerated() { r = r.sliced(axis: first + i, range: p.0..<(p.0 + myShape[first + i])) }
                return [r]
            }
        case .reflect, .replicate:
            var r = self
            for (i, p) in pads.enumerated() where p.0 > 0 || p.1 > 0 {
                let ax = first + i, n = shape[ax]
                var parts: [Tensor] = []
                if mode == .reflect {
                    precondition(p.0 < n && p.1 < n, "padded: reflect pads \(p) must be below the size \(n) of axis \(ax) of \(shape)")
                    if p.0 > 0 { parts.append(r.sliced(axis: ax, range: 1..<(p.0 + 1)).flipped(axis: ax)) }
                    parts.append(r)
                    if p.1 > 0 { parts.append(r.sliced(axis: ax, range: (n - 1 - p.1)..<(n - 1)).flipped(axis: ax)) }
                } else {
                    precondition(n > 0, "padded: replicate on empty axis \(ax) of \(shape)")
                    if p.0 > 0 { parts.append(r.sliced(axis: ax, range: 0..<1).expanded(to: r.shape.enumerated().map { $0.offset == ax ? p.0 : $0.element })) }
                    parts.append(r)
                    if p.1 > 0 { parts.append(r.sliced(axis: ax, range: (n - 1)..<n).expanded(to: r.shape.enumerated().map { $0.offset == ax ? p.1 : $0.element })) }
                }
                r = Tensor.concat(parts, axis: ax)
            }
            return r
        }
    }

    /// Cyclic shift along axes (torch.roll): element i moves to (i + shift) mod n.
    public func rolled(shifts: [Int], axes: [Int]) -> Tensor {
        precondition(shifts.count == axes.count, "rolled: \(shifts.count) shifts for \(axes.count) axes")
        var r = self
        for (shift, axis) in zip(shifts, axes) {
            let ax = normalizeAxis(axis, rank: rank, op: "rolled")
            let n = shape[ax]
            guard n > 0 else { continue }
            let s = ((shift % n) + n) % n
            if s == 0 { continue }
            r = Tensor.concat([r.sliced(axis: ax, range: (n - s)..<n), r.sliced(axis: ax, range: 0..<(n - s))], axis: ax)
        }
        return r
    }
    public func rolled(shift: Int, axis: Int) -> Tensor { rolled(shifts: [shift], axes: [axis]) }
}
