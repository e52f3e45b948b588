extension Tensor {
    /// Batched product of the last two axes, batch axes broadcast, optionally with either operand
    /// transposed in its last two axes (passed to sgemm, not copied).
    static func batchedMatmul(_ a: Tensor, _ b: Tensor, transA: Bool, transB: Bool, op: String) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "\(op): operands of shapes \(a.shape) and \(b.shape) need rank ≥ 2")
        let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let (m, k) = transA ? (ac, ar) : (ar, ac)
        let (k2, n) = transB ? (bc, br) : (br, bc)
        precondition(k == k2, "\(op): shapes \(a.shape) and \(b.shape) do not multiply (inner sizes \(k) and \(k2))")
        let aBatch = Array(a.shape.dropLast(2)), bBatch = Array(b.shape.dropLast(2))
        let batch = broadcastShape(aBatch, bBatch, op: op)
        let outShape = batch + [m, n]
        let s = TensorStorage(count: outShape.product)
        let batchCount = batch.product
        let aStrides = broadcastStrides(aBatch, to: batch), bStrides = broadcastStrides(bBatch, to: batch)
        let batchContig = batch.contiguousStrides
        for t in 0..<batchCount {
            var ao = 0, bo = 0, r = t
            for d in 0..<batch.count {
                let i = r / batchContig[d]; r %= batchContig[d]
                ao += i * aStrides[d]; bo += i * bStrides[d]
            }
            GEMM.sgemm(transA: transA, transB: transB, m: m, n: n, k: k,
                       a: a.pointer + ao * ar * ac, lda: ac, b: b.pointer + bo * br * bc, ldb: bc,
                       c: s.pointer + t * m * n, ldc: n)
        }
        return Tensor(storage: s, shape: outShape)
    }

    /// Matrix product (PyTorch's matmul): 1-D operands are promoted, batch axes broadcast.
    /// `transposeSelf`/`transposeOther` use the transpose of the last two axes without copying.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        precondition(rank >= 1 && other.rank >= 1, "matmul: operands of shapes \(shape) and \(other.shape) need rank ≥ 1")
        if rank == 1 { return unsqueezed(axis: 0).matmul(other, transposeOther: transposeOther).squeezed(axis: -2) }
        if other.rank == 1 { return matmul(other.unsqueezed(axis: 1), transposeSelf: transposeSelf).squeezed(axis: -1) }
        let (ta, tb) = (transposeSelf, transposeOther)
        let out = Tensor.batchedMatmul(self, other, transA: ta, transB: tb, op: "matmul")
        let (a, b) = (self, other)
        return Tensor.record("matmul", out.storage, shape: out.shape, inputs: [a, b]) { g, _ in
            // C = op(A)·op(B): d op(A) = g·op(B)ᵀ, d op(B) = op(A)ᵀ·g; summed over broadcast batch axes.
            var ga: Tensor?, gb: Tensor?
            if a.requiresGrad {
                ga = ta ? Tensor.batchedMatmul(b, g, transA: tb, transB: true, op: "matmul backward")
                        : Tensor.batchedMatmul(g, b, transA: false, transB: !tb, op: "matmul backward")
            }
            if b.requiresGrad {
                gb = tb ? Tensor.batchedMatmul(g, a, transA: true, transB: ta, op: "matmul backward")
                        : Tensor.batchedMatmul(a, g, transA: !ta, transB: false, op: "matmul backward")
            }
            return [ga?.sumToShape(a.shape), gb?.sumToShape(b.shape)]
        }
    }

    /// y = x·Wᵀ + b over the last axis, with W in PyTorch's [out, in] layout.
    public func linear(weight: Tensor, bias: Tensor? = nil) -> Tensor {
        precondition(weight.rank == 2, "linear: weight shape \(weight.shape) is not [out, in]")
        let inF = weight.shape[1], outF = weight.shape[0]
        precondition(rank >= 1 && shape[rank - 1] == inF, "linear: input \(shape) has \(shape.last ?? 0) features, weight \(weight.shape) expects \(inF)")
        if let bias { precondition(bias.shape == [outF], "linear: bias \(bias.shape), weight \(weight.shape) expects [\(outF)]") }
        let rows = count / Swift.max(inF, 1)
        let outShape = Array(shape.dropLast()) + [outF]
        let s = TensorStorage(count: rows * outF)
        if let bias {
            for r in 0..<rows { (s.pointer + r * outF).update(from: bias.pointer, count: outF) }
        }
        GEMM.sgemm(transA: false, transB: true, m: rows, n: outF, k: inF, a: pointer, lda: inF,
                   b: weight.pointer, ldb: inF, beta: bias == nil ? 0 : 1, c: s.pointer, ldc: outF)
        let (x, w) = (self, weight)
        let inputs = bias.map { [x, w, $0] } ?? [x, w]
        return Tensor.record("linear", s, shape: outShape, inputs: inputs) { g, _ in
            var grads: [Tensor?] = []
            if x.requiresGrad {
                let gx = TensorStorage(count: x.count)
                GEMM.matmul(m: rows, n: inF, k: outF, a: g.pointer, b: w.pointer, c: gx.pointer)
                grads.append(Tensor(storage: gx, shape: x.shape))
            } else { grads.append(nil) }
            if w.requiresGrad {
                let gw = TensorStorage(count: w.count)
                GEMM.matmul(transA: true, m: outF, n: inF, k: rows, a: g.pointer, b: x.pointer, c: gw.pointer)
                grads.append(Tensor(storage: gw, shape: w.shape))
            } else { grads.append(nil) }
            if let bias { grads.append(bias.requiresGrad ? g.reshaped([rows, outF]).sum(axes: [0]) : nil) }
            return grads
        }
    }
}
