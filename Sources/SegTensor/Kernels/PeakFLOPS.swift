// The CPU's measured FP32 limit: a register-resident FMA loop on SIMD16<Float> (AVX-512 when built
// with -march=native), one thread per core, and OpenBLAS sgemm on the same thread count.
import CBLAS
import Dispatch
import Foundation

public enum PeakFLOPS {
    /// FP32 FMA GFLOP/s of `threads` threads, each running a loop of independent SIMD16 FMA chains
    /// that never touches memory: enough chains (12) to cover the FMA latency on both pipes.
    /// Returns the best of `repeats` timed runs (a peak is a maximum, not a median).
    public static func fmaGFLOPS(threads: Int, seconds: Double = 0.25, repeats: Int = 5) -> Double {
        precondition(threads > 0, "fmaGFLOPS: threads must be positive, got \(threads)")
        // Calibrate the iteration count on one thread so a run lasts about `seconds`.
        var iterations = 1 << 16
        while true {
            let t = now()
            blackHole(fmaChains(iterations: iterations, seed: 1))
            let elapsed = now() - t
            if elapsed > 0.02 { iterations = max(1, Int(Double(iterations) * seconds / elapsed)); break }
            iterations *= 4
        }
        let perThread = iterations
        var best = 0.0
        for _ in 0..<repeats {
            let start = now()
            DispatchQueue.concurrentPerform(iterations: threads) { index in
                blackHole(fmaChains(iterations: perThread, seed: Float(index + 1)))
            }
            let elapsed = now() - start
            best = max(best, Double(threads) * Double(perThread) * flopsPerIteration / elapsed / 1e9)
        }
        return best
    }

    /// 12 chains × 16 lanes × 2 FLOPs (multiply + add) per iteration.
    static let flopsPerIteration = 12.0 * 16.0 * 2.0

    /// Twelve independent accumulators, each `acc = acc * m + a` per iteration; values stay finite.
    @inline(never)
    static func fmaChains(iterations: Int, seed: Float) -> Float {
        let m = SIMD16<Float>(repeating: 0.999_999)
        let a = SIMD16<Float>(repeating: 1e-6 * seed)
        var c0 = SIMD16<Float>(repeating: seed), c1 = c0 + 1, c2 = c0 + 2, c3 = c0 + 3
        var c4 = c0 + 4, c5 = c0 + 5, c6 = c0 + 6, c7 = c0 + 7
        var c8 = c0 + 8, c9 = c0 + 9, c10 = c0 + 10, c11 = c0 + 11
        for _ in 0..<iterations {
            c0 = a.addingProduct(c0, m)
            c1 = a.addingProduct(c1, m); c2 = a.addingProduct(c2, m); c3 = a.addingProduct(c3, m)
            c4 = a.addingProduct(c4, m); c5 = a.addingProduct(c5, m); c6 = a.addingProduct(c6, m)
            c7 = a.addingProduct(c7, m); c8 = a.addingProduct(c8, m); c9 = a.addingProduct(c9, m)
            c10 = a.addingProduct(c10, m); c11 = a.addingProduct(c11, m)
        }
        let sum = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11))
        return sum.sum()
    }

    /// The engine's GEMM (oneDNN's `dnnl_sgemm`) in GFLOP/s for C[m×n] = A[m×k] · B[k×n], median
    /// of `repeats` runs after warm-up; `openBLAS` times OpenBLAS on `threads` threads instead.
    public static func sgemmGFLOPS(m: Int = 1024, n: Int = 1024, k: Int = 1024, threads: Int, repeats: Int = 7,
                                   openBLAS: Bool = false) -> Double {
        openblas_set_num_threads(Int32(threads))
        var a = [Float](repeating: 0, count: m * k)
        var b = [Float](repeating: 0, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        for i in a.indices { a[i] = Float((i * 7) % 13) / 13 - 0.5 }
        for i in b.indices { b[i] = Float((i * 5) % 11) / 11 - 0.5 }
        let run = {
            GEMM.sgemm(transA: false, transB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n,
                       backend: openBLAS ? .openBLAS : .oneDNN)
        }
        for _ in 0..<3 { run() }
        var times: [Double] = []
        for _ in 0..<repeats {
            let t = now()
            run()
            times.append(now() - t)
        }
        return 2.0 * Double(m) * Double(n) * Double(k) / median(times) / 1e9
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Keeps a result alive so the loop producing it is not optimised away.
    @inline(never)
    static func blackHole(_ x: Float) {
        if x == .infinity { print("", terminator: "") }
    }
}
