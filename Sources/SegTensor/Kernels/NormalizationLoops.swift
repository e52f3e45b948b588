/// Batch-norm loops over [N, C, S] layouts (S: the spatial size), parallel over channels.
enum BatchNormLoops {
    /// Σ over one contiguous run, SIMD partial sums.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
        var acc = Vec(repeating: 0)
        var i = 0
        while i + 16 <= n { acc += loadVec(p + i); i += 16 }
        var s = Double(acc.sum())
        while i < n { s += Double(p[i]); i += 1 }
        return s
    }

    /// Per-channel mean and biased variance (two passes, Double accumulation per run).
    static func statistics(_ x: UnsafePointer<Float>, n: Int, c: Int, s: Int,
                           mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>) {
        let count = Double(n * s)
        Parallel.forChunks(c, grain: Swift.max(1, 32768 / Swift.max(1, n * s))) { r in
            for ch in r {
                var total = 0.0
                for b in 0..<n { total += sum(x + (b * c + ch) * s, s) }
                let m = Float(total / count)
                var sq = 0.0
                let mv = Vec(repeating: m)
                for b in 0..<n {
                    let p = x + (b * c + ch) * s
                    var acc = Vec(repeating: 0)
                    var i = 0
                    while i + 16 <= s { let d = loadVec(p + i) - mv; acc = acc.addingProduct(d, d); i += 16 }
                    var part = Double(acc.sum())
                    while i < s { let d = p[i] - m; part += Double(d * d); i += 1 }
                    sq += part
                }
                mean[ch] = m
                variance[ch] = Float(sq / count)
            }
        }
    }

    /// y = x·scale[c] + shift[c].
    static func affine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, c: Int, s: Int,
                       scale: UnsafePointer<Float>, shift: UnsafePointer<Float>) {
        Parallel.forChunks(n * c, grain: Swift.max(1, 32768 / Swift.max(1, s))) { r in
            for plane in r {
                let ch = plane % c
                let a = Vec(repeating: scale[ch]), b = Vec(repeating: shift[ch])
                let (sa, sb) = (scale[ch], shift[ch])
                let p = x + plane * s, q = y + plane * s
                var i = 0
                while i + 16 <= s { storeVec(b.addingProduct(loadVec(p + i), a), q + i); i += 16 }
                while i < s { q[i] = p[i] * sa + sb; i += 1 }
            }
        }
    }

    /// Per-channel Σg and Σg·x̂ where x̂ = (x − mean)·invstd.
    static func gradientSums(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, n: Int, c: Int, s: Int,
                             mean: UnsafePointer<Float>, invstd: UnsafePointer<Float>,
                             sumG: UnsafeMutablePointer<Float>, sumGXhat: UnsafeMutablePointer<Float>) {
        Parallel.forChunks(c, grain: Swift.max(1, 32768 / Swift.max(1, n * s))) { r in
            for ch in r {
                var sg = 0.0, sgx = 0.0
                let mv = Vec(repeating: mean[ch])
                for b in 0..<n {
                    let p = x + (b * c + ch) * s, q = g + (b * c + ch) * s
                    var ag = Vec(repeating: 0), agx = Vec(repeating: 0)
                    var i = 0
                    while i + 16 <= s {
                        let gv = loadVec(q + i)
                        ag += gv
                        agx = agx.addingProduct(gv, loadVec(p + i) - mv)
                        i += 16
                    }
                    var pg = Double(ag.sum()), pgx = Double(agx.sum())
                    while i < s { pg += Double(q[i]); pgx += Double(q[i] * (p[i] - mean[ch])); i += 1 }
                    sg += pg; sgx += pgx
                }
                sumG[ch] = Float(sg)
                sumGXhat[ch] = Float(sgx) * invstd[ch]
            }
        }
    }

    /// Training-mode input gradient: dx = w·invstd·(g − Σg/m − x̂·Σg·x̂/m), m = N·S.
    static func inputGradient(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                              n: Int, c: Int, s: Int, mean: UnsafePointer<Float>, invstd: UnsafePointer<Float>,
                              weight: UnsafePointer<Float>?, sumG: UnsafePointer<Float>, sumGXhat: UnsafePointer<Float>) {
        let m = Float(n * s)
        Parallel.forChunks(n * c, grain: Swift.max(1, 32768 / Swift.max(1, s))) { r in
            for plane in r {
                let ch = plane % c
                let k = (weight?[ch] ?? 1) * invstd[ch]
                let meanG = sumG[ch] / m, coef = sumGXhat[ch] / m * invstd[ch]
                // dx = k·(g − meanG − (x − mean)·coef)
                let p = x + plane * s, q = g + plane * s, o = dx + plane * s
                let kv = Vec(repeating: k), mg = Vec(repeating: meanG), cv = Vec(repeating: coef), mv = Vec(repeating: mean[ch])
                var i = 0
                while i + 16 <= s {
                    storeVec(kv * (loadVec(q + i) - mg - (loadVec(p + i) - mv) * cv), o + i)
                    i += 16
                }
                while i < s { o[i] = k * (q[i] - meanG - (p[i] - mean[ch]) * coef); i += 1 }
            }
        }
    }
}

/// Layer-norm loops over rows of length d (the normalised trailing axes), parallel over rows.
enum LayerNormLoops {
    static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, d: Int, eps: Float,
                        weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
                        mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>) {
        Parallel.forChunks(rows, grain: Swift.max(1, 16384 / Swift.max(1, d))) { r in
            for row in r {
                let p = x + row * d, q = y + row * d
                let m = Float(BatchNormLoops.sum(p, d) / Double(d))
                let mv = Vec(repeating: m)
                var acc = Vec(repeating: 0)
                var i = 0
                while i + 16 <= d { let c = loadVec(p + i) - mv; acc = acc.addingProduct(c, c); i += 16 }
                var v = Double(acc.sum())
                while i < d { let c = p[i] - m; v += Double(c * c); i += 1 }
                let rs = 1 / (Float(v / Double(d)) + eps).squareRoot()
                mean[row] = m
                rstd[row] = rs
                let rv = Vec(repeating: rs)
                i = 0
                while i + 16 <= d {
                    var o = (loadVec(p + i) - mv) * rv
                    if let weight { o = o * loadVec(weight + i) }
                    if let bias { o = o + loadVec(bias + i) }
                    storeVec(o, q + i)
                    i += 16
                }
                while i < d {
                    var o = (p[i] - m) * rs
                    if let weight { o *= weight[i] }
                    if let bias { o += bias[i] }
                    q[i] = o
                    i += 1
                }
            }
        }
    }

    /// dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = g·w.
    static func inputGradient(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                              rows: Int, d: Int, weight: UnsafePointer<Float>?,
                              mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>) {
        Parallel.forChunks(rows, grain: Swift.max(1, 16384 / Swift.max(1, d))) { r in
            for row in r {
                let p = x + row * d, q = g + row * d, o = dx + row * d
                let (m, rs) = (mean[row], rstd[row])
                var sg = 0.0, sgx = 0.0
                for i in 0..<d {
                    let gh = q[i] * (weight?[i] ?? 1)
                    sg += Double(gh)
                    sgx += Double(gh * (p[i] - m) * rs)
                }
                let mg = Float(sg / Double(d)), mgx = Float(sgx / Double(d))
                for i in 0..<d {
                    let gh = q[i] * (weight?[i] ?? 1)
                    o[i] = rs * (gh - mg - (p[i] - m) * rs * mgx)
                }
            }
        }
    }

    /// dw = Σ_rows g·x̂ and db = Σ_rows g (serial over rows, vectorised along d).
    static func parameterGradients(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, rows: Int, d: Int,
                                   mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                   dw: UnsafeMutablePointer<Float>?, db: UnsafeMutablePointer<Float>?) {
        dw?.update(repeating: 0, count: d)
        db?.update(repeating: 0, count: d)
        for row in 0..<rows {
            let p = x + row * d, q = g + row * d
            let mv = Vec(repeating: mean[row]), rv = Vec(repeating: rstd[row])
            var i = 0
            while i + 16 <= d {
                let gv = loadVec(q + i)
                if let dw { storeVec(loadVec(dw + i).addingProduct(gv, (loadVec(p + i) - mv) * rv), dw + i) }
                if let db { storeVec(loadVec(db + i) + gv, db + i) }
                i += 16
            }
            while i < d {
                dw?[i] += q[i] * (p[i] - mean[row]) * rstd[row]
                db?[i] += q[i]
                i += 1
            }
        }
    }
}
