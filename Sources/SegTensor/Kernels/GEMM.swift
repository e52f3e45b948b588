import CBLAS

/// Matrix products on OpenBLAS, row-major.
enum GEMM {
    /// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, with op = transpose when asked.
    /// Leading dimensions are those of the stored (untransposed) row-major matrices.
    @inline(__always)
    static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                      alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int,
                      beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 { c.update(repeating: 0, count: (m - 1) * ldc + n) }
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// C = op(A) · op(B) with contiguous operands: A stored [m, k] (or [k, m] if transA), B stored
    /// [k, n] (or [n, k] if transB).
    @inline(__always)
    static func matmul(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                       a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                       c: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: transA ? m : k,
              b: b, ldb: transB ? k : n, beta: accumulate ? 1 : 0, c: c, ldc: n)
    }
}
