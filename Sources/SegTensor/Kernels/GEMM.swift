import CBLAS
import CDNNL

/// Matrix products, row-major, on oneDNN's `dnnl_sgemm` (its AVX-512 JIT kernels on its OpenMP
/// threads, the ones the convolutions use). OpenBLAS, the first backend, ran 4–7× slower on this
/// machine's transformer shapes (`OPENBLAS_CORETYPE=Haswell`: AVX2 only, its own thread pool
/// spinning beside OpenMP's); it stays as the GEMM of the reference convolution (`Im2col`), an implementation
/// independent of oneDNN's for the tests to compare against.
enum GEMM {
    enum Backend { case oneDNN, openBLAS }

    /// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, with op = transpose when asked.
    /// Leading dimensions are those of the stored (untransposed) row-major matrices.
    @inline(__always)
    static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                      alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int,
                      beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, backend: Backend = .oneDNN) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 { c.update(repeating: 0, count: (m - 1) * ldc + n) }
            return
        }
        switch backend {
        case .oneDNN:
            let status = dnnl_sgemm(transA ? 84 : 78, transB ? 84 : 78, Int64(m), Int64(n), Int64(k),   // "T" / "N"
                                    alpha, a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
            precondition(status == dnnl_success, "dnnl_sgemm failed (status \(status.rawValue)) for \(m)×\(k) · \(k)×\(n)")
        case .openBLAS:
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }

    /// C = op(A) · op(B) with contiguous operands: A stored [m, k] (or [k, m] if transA), B stored
    /// [k, n] (or [n, k] if transB).
    @inline(__always)
    static func matmul(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                       a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                       c: UnsafeMutablePointer<Float>, accumulate: Bool = false, backend: Backend = .oneDNN) {
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: transA ? m : k,
              b: b, ldb: transB ? k : n, beta: accumulate ? 1 : 0, c: c, ldc: n, backend: backend)
    }
}
